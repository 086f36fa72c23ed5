// A worker thread standing in for an Electron utility process: it gives the real engine worker
// (src/worker/index.ts) a `process.parentPort` backed by an in-memory MessagePort.
'use strict';
const { workerData } = require('node:worker_threads');
require('tsx/cjs');
const port = workerData.port;
process.parentPort = {
  postMessage: (message) => port.postMessage(message),
  on: (_event, handler) => port.on('message', (data) => handler({ data })),
};
require('../../src/worker/index.ts');
