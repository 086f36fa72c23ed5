/**
 * w2s serve [--port P] [--host 127.0.0.1] [--allow-host NAME[:PORT]…] [--db FILE] [--workers N] [--renderer DIR]
 * The lab in a browser: the built renderer and the LabApi on loopback, behind a random token.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LabApiService } from '../../backend/labApi';
import { EnginePool, forkSpawner } from '../../backend/pool';
import { hostNames, isLoopback, startServer } from '../../serve/server';
import { databasePath, integerFlag, UsageError } from '../args';
import { ensureRendererBuilt } from '../rendererBuild';
import { openCommands } from '../session';
import { errorMessage } from '../../shared/errorMessage';

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      db: { type: 'string' },
      workers: { type: 'string' },
      renderer: { type: 'string' },
    },
  });
  const port = integerFlag(values.port, 'port', 0, 65535, 0);
  const host = values.host ?? '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new UsageError(`--host must be an address such as 127.0.0.1 (got '${host}')`);
  const allowedHosts = values['allow-host'] ?? [];
  for (const name of allowedHosts) {
    if (name.length > 260 || !/^([\w.-]+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?$/.test(name)) {
      throw new UsageError(`--allow-host must be a host name or address, optionally with :PORT, such as lab.example or localhost:8080 (got '${name.slice(0, 100)}')`);
    }
  }
  // Leave a core for the server and the browser when there are several.
  const workers = integerFlag(values.workers, 'workers', 1, 256, Math.max(1, availableParallelism() - 1));
  if (values.renderer !== undefined && !existsSync(join(values.renderer, 'index.html'))) {
    throw new UsageError(`--renderer must be a built renderer folder holding index.html (got '${values.renderer}')`);
  }
  const root = join(__dirname, '..', '..', '..');
  const rendererDir = values.renderer === undefined ? join(root, 'out', 'renderer') : resolve(values.renderer);
  if (values.renderer === undefined) ensureRendererBuilt(root, rendererDir, (line) => process.stderr.write(`${line}\n`));
  const file = databasePath(values.db);
  const history = openCommands(file);
  const pool = new EnginePool(forkSpawner(), workers);
  const commands = history.withLab(pool);
  // Experiments that `w2s run` or the desktop app write meanwhile reach the page as events.
  const watch = commands.watchHistory();
  const api = new LabApiService(commands.lab, { workers });
  let server;
  try {
    server = await startServer(api, { host, port, rendererDir, allowedHosts });
  } catch (error) {
    watch.stop();
    pool.close();
    commands.close();
    throw new UsageError(`cannot listen on ${host}:${port}: ${errorMessage(error)}`);
  }
  if (!isLoopback(host)) {
    process.stderr.write(
      `warning: listening on ${host}, not loopback, over plain HTTP: anyone who can reach it and read the token on the way can run experiments; ` +
        `it answers to ${hostNames(host, allowedHosts).join(', ')} (more with --allow-host NAME[:PORT]); an SSH tunnel to a loopback server is safer\n`,
    );
  }
  process.stdout.write(`W2S Lab on ${server.url}\nrun history ${file}; ${workers} engine processes; Ctrl-C to stop\n`);
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  watch.stop();
  pool.close();
  commands.close();
  return 0;
}
