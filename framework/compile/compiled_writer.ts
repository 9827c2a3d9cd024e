import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { waitForFlag } from '../core/threads.js';

/**
 * Creating thousands of small files is kernel work that costs more than compiling them (10,000
 * models: seconds of system time). A worker thread starts on it while the main thread writes
 * manifest.json and the cache, which then joins in: both take the next folder from one shared
 * counter. A folder at a time, not a file: two threads creating files in one folder wait on
 * its lock, and Linux spins while it waits (a quarter of a cold compile's samples on ext4).
 * `plat compile` stays synchronous by waiting on a shared flag at the end. Fewer files than
 * this are written in the calling thread alone: a worker's start costs more.
 */
export const WRITER_THREAD_FROM = 256;

/** Slots of the shared Int32Array: the index of the next folder to write, and whether the worker has stopped. */
const NEXT = 0;
const DONE = 1;

/** An error of the worker's write(2), as the CLI's failure report reads it (failure.ts). */
interface WriteFailure {
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
  errno?: number;
}

/** A worker script's function giving the calling thread a write's error as WriteFailure. */
export const DESCRIBE_FAILURE = `
const describe = (error) => {
  const { message, code, syscall, path, errno } = error;
  return { message: String(message), code, syscall, path, errno };
};
`;

/**
 * Plain JavaScript, evaluated as the worker's script: it runs the same from dist/ and from the
 * TypeScript sources under test, where no compiled module sits beside this one.
 */
const WORKER = `${DESCRIBE_FAILURE}
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { dir, files, bounds, shared, port } = workerData;
try {
  for (let f = Atomics.add(shared, ${NEXT}, 1); f < bounds.length - 1; f = Atomics.add(shared, ${NEXT}, 1)) {
    mkdirSync(dirname(join(dir, files[bounds[f]][0])), { recursive: true });
    for (let i = bounds[f]; i < bounds[f + 1]; i++) writeFileSync(join(dir, files[i][0]), files[i][1] + '\\n');
  }
  port.postMessage(null);
} catch (error) {
  Atomics.store(shared, ${NEXT}, bounds.length);
  port.postMessage(describe(error));
} finally {
  Atomics.store(shared, ${DONE}, 1);
  Atomics.notify(shared, ${DONE});
}
`;

/**
 * Waits until a writer thread sets slot `done` of `shared`, and gives the error it reported on
 * `port` (null when it wrote everything). `what` names what it was writing.
 */
export function joinWriter(worker: Worker, shared: Int32Array, done: number, port: MessagePort, what: string): Error | null {
  waitForFlag(worker, shared, done);
  const failure = receiveMessageOnPort(port)?.message as WriteFailure | null | undefined;
  port.close();
  if (failure === undefined) return new Error(`the thread writing ${what} stopped before it finished`);
  return failure && Object.assign(new Error(failure.message), failure);
}

/** Writes `files` (project path → compiled SQL, a newline added) under `dir`, creating folders. */
export function writeFiles(dir: string, files: readonly [string, string][]): void {
  let next = 0;
  const { sorted, bounds } = byFolder(files);
  writeClaimed(dir, sorted, bounds, () => next++);
}

/** The files sorted by folder, and where each folder's run of them starts (the last bound: their count). */
function byFolder(files: readonly [string, string][]): { sorted: [string, string][]; bounds: number[] } {
  const folder = (file: [string, string]) => dirname(file[0]);
  const sorted = files
    .map((file) => ({ file, folder: folder(file) }))
    .sort((x, y) => (x.folder < y.folder ? -1 : x.folder > y.folder ? 1 : 0));
  const bounds: number[] = [];
  sorted.forEach((entry, i) => {
    if (i === 0 || entry.folder !== sorted[i - 1]!.folder) bounds.push(i);
  });
  bounds.push(sorted.length);
  return { sorted: sorted.map((entry) => entry.file), bounds };
}

/** Writes the folders `claim` hands out, each whole, until it hands out one past the last. */
function writeClaimed(dir: string, files: readonly [string, string][], bounds: readonly number[], claim: () => number): void {
  for (let f = claim(); f < bounds.length - 1; f = claim()) {
    mkdirSync(dirname(join(dir, files[bounds[f]!]![0])), { recursive: true });
    for (let i = bounds[f]!; i < bounds[f + 1]!; i++) writeFileSync(join(dir, files[i]![0]), `${files[i]![1]}\n`);
  }
}

/**
 * Starts writing `files` under `dir` in a worker thread; the function returned writes what the
 * worker has not taken yet, waits until every file is written, and throws the first write's
 * error if one failed.
 */
export function startWritingFiles(dir: string, files: [string, string][]): () => void {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const { sorted, bounds } = byFolder(files);
  const worker = new Worker(WORKER, { eval: true, workerData: { dir, files: sorted, bounds, shared, port: port2 }, transferList: [port2] });
  // The flag, not the worker's exit, says the files are written; the process need not wait for its exit.
  worker.unref();
  return () => {
    let failed: unknown = null;
    try {
      writeClaimed(dir, sorted, bounds, () => Atomics.add(shared, NEXT, 1));
    } catch (error) {
      failed = error;
      Atomics.store(shared, NEXT, bounds.length);
    }
    const reported = joinWriter(worker, shared, DONE, port1, dir);
    if (failed) throw failed;
    if (reported) throw reported;
  };
}
