import type { Worker } from 'node:worker_threads';

/**
 * Waits, blocking, until a worker thread sets slot `slot` of `shared` (Atomics.notify), or dies
 * without setting it. Threads that do a synchronous caller's work meanwhile
 * (writing files, parsing YAML) say they are done this way: the caller never yields to the
 * event loop, where a message or an exit event would arrive.
 */
export function waitForFlag(worker: Worker, shared: Int32Array, slot: number): void {
  // A worker that died without setting the flag (out of memory) has thread id -1.
  while (Atomics.wait(shared, slot, 0, 100) === 'timed-out' && worker.threadId !== -1);
}
