import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * Creating thousands of small files is kernel work that costs more than compiling them (10,000
 * models: seconds of system time). A worker thread does it while the main thread writes
 * manifest.json and the cache; `plat compile` stays synchronous by waiting on a shared flag at
 * the end. Fewer files than this are written in the calling thread: a worker's start costs more.
 */
export const WRITER_THREAD_FROM = 256;

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
const WRITER = `
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { dir, files, done, port } = workerData;
const made = new Set();
try {
  for (const [file, sql] of files) {
    const path = join(dir, file);
    const folder = dirname(path);
    if (!made.has(folder)) mkdirSync(folder, { recursive: true });
    made.add(folder);
    writeFileSync(path, sql + '\\n');
  }
  port.postMessage(null);
} catch (error) {
  const { message, code, syscall, path, errno } = error;
  port.postMessage({ message: String(message), code, syscall, path, errno });
} finally {
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}
`;

/**
 * Starts writing `files` (project path → compiled SQL) under `dir` in a worker thread; the
 * function returned waits until they are written, and throws the first write's error if one failed.
 */
export function startWritingFiles(dir: string, files: [string, string][]): () => void {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WRITER, { eval: true, workerData: { dir, files, done, port: port2 }, transferList: [port2] });
  // The flag, not the worker's exit, says the files are written; the process need not wait for its exit.
  worker.unref();
  return () => {
    // A worker that died without setting the flag (out of memory) has thread id -1.
    while (Atomics.wait(done, 0, 0, 100) === 'timed-out' && worker.threadId !== -1);
    const failure = receiveMessageOnPort(port1)?.message as WriteFailure | null | undefined;
    port1.close();
    if (failure === undefined) throw new Error(`the thread writing ${dir} stopped before it finished`);
    if (failure) throw Object.assign(new Error(failure.message), failure);
  };
}
