import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * Creating thousands of small files is kernel work that costs more than compiling them (10,000
 * models: seconds of system time). A worker thread starts on it while the main thread writes
 * manifest.json and the cache, which then joins in: both take the next file from one shared
 * counter. `plat compile` stays synchronous by waiting on a shared flag at the end. Fewer
 * files than this are written in the calling thread alone: a worker's start costs more.
 */
export const WRITER_THREAD_FROM = 256;

/** Slots of the shared Int32Array: the index of the next file to write, and whether the worker has stopped. */
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

/**
 * Plain JavaScript, evaluated as the worker's script: it runs the same from dist/ and from the
 * TypeScript sources under test, where no compiled module sits beside this one.
 */
const WORKER = `
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { dir, files, shared, port } = workerData;
const made = new Set();
try {
  for (let i = Atomics.add(shared, ${NEXT}, 1); i < files.length; i = Atomics.add(shared, ${NEXT}, 1)) {
    const path = join(dir, files[i][0]);
    const folder = dirname(path);
    if (!made.has(folder)) mkdirSync(folder, { recursive: true });
    made.add(folder);
    writeFileSync(path, files[i][1] + '\\n');
  }
  port.postMessage(null);
} catch (error) {
  Atomics.store(shared, ${NEXT}, files.length);
  const { message, code, syscall, path, errno } = error;
  port.postMessage({ message: String(message), code, syscall, path, errno });
} finally {
  Atomics.store(shared, ${DONE}, 1);
  Atomics.notify(shared, ${DONE});
}
`;

/** Writes `files` (project path → compiled SQL, a newline added) under `dir`, creating folders. */
export function writeFiles(dir: string, files: readonly [string, string][]): void {
  writeClaimed(
    dir,
    files,
    () => 0,
    (i) => i + 1,
  );
}

function writeClaimed(dir: string, files: readonly [string, string][], first: () => number, next: (i: number) => number): void {
  const made = new Set<string>();
  for (let i = first(); i < files.length; i = next(i)) {
    const path = join(dir, files[i]![0]);
    const folder = dirname(path);
    if (!made.has(folder)) mkdirSync(folder, { recursive: true });
    made.add(folder);
    writeFileSync(path, `${files[i]![1]}\n`);
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
  const worker = new Worker(WORKER, { eval: true, workerData: { dir, files, shared, port: port2 }, transferList: [port2] });
  // The flag, not the worker's exit, says the files are written; the process need not wait for its exit.
  worker.unref();
  return () => {
    let failed: unknown = null;
    try {
      const claim = () => Atomics.add(shared, NEXT, 1);
      writeClaimed(dir, files, claim, claim);
    } catch (error) {
      failed = error;
      Atomics.store(shared, NEXT, files.length);
    }
    // A worker that died without setting the flag (out of memory) has thread id -1.
    while (Atomics.wait(shared, DONE, 0, 100) === 'timed-out' && worker.threadId !== -1);
    const failure = receiveMessageOnPort(port1)?.message as WriteFailure | null | undefined;
    port1.close();
    if (failed) throw failed;
    if (failure === undefined) throw new Error(`the thread writing ${dir} stopped before it finished`);
    if (failure) throw Object.assign(new Error(failure.message), failure);
  };
}
