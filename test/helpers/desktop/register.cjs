// `node --require test/helpers/desktop/register.cjs out/main/index.js`: the built main bundle, with
// `require('electron')` answered by the test shim (electronShim.ts) instead of the Electron binary.
'use strict';
const Module = require('node:module');
const { join } = require('node:path');
require('tsx/cjs');

const shim = join(__dirname, 'electronShim.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveElectron(request, ...rest) {
  return request === 'electron' ? shim : resolve.call(this, request, ...rest);
};
