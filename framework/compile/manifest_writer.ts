import { statSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ManifestFile } from './artifacts.js';
import { DESCRIBE_FAILURE, joinWriter } from './compiled_writer.js';

/**
 * Below this many nodes manifest.json is written by the compiling thread: a worker's start
 * costs more than the write. Above it, write(2) of tens of megabytes (80 ms at 10,000 models)
 * is kernel time the compiling thread spends on nothing else, while the cache is still to be
 * built.
 */
export const MANIFEST_THREAD_FROM = 5_000;

/** Plain JavaScript, evaluated as the worker's script (see compiled_writer.ts for why). */
const WORKER = `${DESCRIBE_FAILURE}
const { closeSync, openSync, writeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { path, port, shared } = workerData;
let fd = null;
let failure = null;
try {
  fd = openSync(path, 'w');
} catch (error) {
  failure = error;
}
port.on('message', (chunk) => {
  if (chunk !== null) {
    if (failure === null) {
      try {
        writeSync(fd, chunk);
      } catch (error) {
        failure = error;
      }
    }
    return;
  }
  try {
    if (fd !== null) closeSync(fd);
  } catch (error) {
    failure = failure ?? error;
  }
  port.postMessage(failure === null ? null : describe(failure));
  port.close();
  Atomics.store(shared, 0, 1);
  Atomics.notify(shared, 0);
});
`;

/** Writes a file from the chunks given, in order, in a worker thread; `finish` waits for it and gives the file's size and mtime. */
export interface ThreadedFile {
  write(chunk: string): void;
  finish(): () => ManifestFile;
}

export function writeInThread(path: string): ThreadedFile {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { eval: true, workerData: { path, port: port2, shared }, transferList: [port2] });
  // The flag, not the worker's exit, says the file is written.
  worker.unref();
  return {
    write: (chunk) => port1.postMessage(chunk),
    finish: () => {
      port1.postMessage(null);
      return () => {
        const reported = joinWriter(worker, shared, 0, port1, path);
        if (reported) throw reported;
        const { size, mtimeMs } = statSync(path);
        return { size, mtimeMs };
      };
    },
  };
}
