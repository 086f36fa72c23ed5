/**
 * Another process on a history, for the multi-process tests: run with `node --import tsx`.
 *   open FILE                print "ready", wait for a line on stdin, then open (and migrate) the history;
 *                            print the schema version
 *   hold FILE MS             take the write lock, print "locked", keep it MS ms, commit; print "released"
 *   write-and-hold FILE      open, print "ready", wait for a line on stdin; then inside one write transaction
 *                            add an experiment, print "locked", and wait forever (for SIGKILL: that
 *                            experiment must never appear)
 * It uses the real store; nothing is stubbed.
 */
import { validateSpec } from '../../src/engine/spec';
import { RunStore } from '../../src/backend/store/store';
import { sleepSync } from '../../src/backend/store/transactions';

const [mode, file, arg] = process.argv.slice(2);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

if (mode === 'open') {
  // Start together: the test says go to every process once all are ready, so their migrations overlap.
  say('ready');
  process.stdin.once('data', () => {
    const store = RunStore.open(file, 'test');
    say(`version ${store.schemaVersion} retries ${store.contention.retries}`);
    store.close();
    process.stdin.destroy();
  });
} else if (mode === 'hold') {
  const store = RunStore.open(file, 'test');
  store.write(() => {
    say('locked');
    sleepSync(Number(arg));
  });
  say('released');
  store.close();
} else if (mode === 'write-and-hold') {
  const store = RunStore.open(file, 'test');
  const spec = validateSpec({ name: 'never committed', seed: 1, teachers: { count: 1 }, sft: { steps: 5, batchSize: 10, learningRates: [0.1] } });
  say('ready');
  process.stdin.once('data', () => holdForever(store, spec));
} else {
  throw new Error(`unknown mode '${mode}'`);
}

function holdForever(store: RunStore, spec: ReturnType<typeof validateSpec>): void {
  store.write(() => {
    const id = store.createExperiment(spec, [{ cell: 0, teacher: 0, lr: 0 }]);
    store.setNotes(id, 'x'.repeat(200_000));
    say('locked');
    for (;;) sleepSync(60_000);
  });
}
