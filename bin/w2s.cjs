#!/usr/bin/env node
// The `w2s` command: the prebuilt bundle when it is current (bin/bundle.cjs), else the TypeScript
// CLI through tsx's require hook (no build step needed).
'use strict';
const { join } = require('node:path');
const bundle = require('./bundle.cjs').bundleEntry(join(__dirname, '..'));
if (bundle === null) require('tsx/cjs');
// `w2s export … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = bundle === null ? require('../src/cli/main.ts') : require(bundle);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`w2s: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
