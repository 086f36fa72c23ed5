// Whether bin/w2s.cjs may run the prebuilt bundle (scripts/build-cli.mjs) instead of the sources:
// only when every source file it was built from is on disk as it was then (size and modification
// time, from the stamp the build wrote). An edit, a checkout or a pull makes it stale, and the
// sources run through tsx until the next `npm run build:cli`. W2S_SOURCES=1 always runs the sources.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const BUNDLE = join('out', 'cli', 'bundle');

/** The bundle's entry (absolute path) when it is current for the sources under `root`, else null. */
function bundleEntry(root, env = process.env) {
  if (env.W2S_SOURCES === '1') return null;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, BUNDLE, 'sources.json'), 'utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(stamp.sources) || stamp.sources.length === 0) return null;
  for (const { file, size, mtimeMs } of stamp.sources) {
    let s;
    try {
      s = statSync(join(root, file));
    } catch {
      return null;
    }
    if (s.size !== size || s.mtimeMs !== mtimeMs) return null;
  }
  return join(root, BUNDLE, 'w2s.cjs');
}

module.exports = { BUNDLE, bundleEntry };
