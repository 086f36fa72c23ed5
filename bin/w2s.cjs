#!/usr/bin/env node
// The `w2s` command: runs the TypeScript CLI through tsx's require hook (no build step needed).
'use strict';
require('tsx/cjs');
// `w2s export … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = require('../src/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`w2s: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
