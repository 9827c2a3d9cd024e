import { closeSync, openSync, statSync, writeSync } from 'node:fs';
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

/**
 * Bytes of text encoded before they are written. Each line is encoded into a buffer as soon as
 * it is made: text gathered into megabyte strings survived the young generation's collections
 * and was copied by each, then copied again to post or encode it.
 */
const SEGMENT = 4 << 20;

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
port.on('message', (segment) => {
  if (segment !== null) {
    if (failure === null) {
      try {
        const bytes = new Uint8Array(segment.buffer, 0, segment.length);
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
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

/** A file written from the texts given, in order; `finish` ends it and gives what waits for it and returns the file's size and mtime. */
export interface TextFile {
  write(text: string): void;
  finish(): () => ManifestFile;
  /** Ends it after a failure, writing nothing more. */
  abandon(): void;
}

/** Encodes texts into buffers and hands each full one to `flush`, which may keep it: `next` gives the buffer to go on with. */
class Segments {
  private buffer: Buffer;
  private length = 0;

  constructor(
    private readonly next: (atLeast: number) => Buffer,
    private readonly flush: (buffer: Buffer, length: number) => void,
  ) {
    this.buffer = next(SEGMENT);
  }

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: the check costs no pass over the text.
    if (this.buffer.length - this.length < text.length * 3) {
      this.end();
      this.buffer = this.next(text.length * 3);
    }
    this.length += this.buffer.write(text, this.length);
  }

  end(): void {
    if (this.length > 0) this.flush(this.buffer, this.length);
    this.length = 0;
  }
}

/** Writes the file in a worker thread, handed shared buffers: none is copied to cross over. */
export function writeInThread(path: string): TextFile {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { eval: true, workerData: { path, port: port2, shared }, transferList: [port2] });
  // The flag, not the worker's exit, says the file is written.
  worker.unref();
  const segments = new Segments(
    (atLeast) => Buffer.from(new SharedArrayBuffer(Math.max(SEGMENT, atLeast))),
    (buffer, length) => port1.postMessage({ buffer: buffer.buffer, length }),
  );
  return {
    write: (text) => segments.write(text),
    finish: () => {
      segments.end();
      port1.postMessage(null);
      return () => {
        const reported = joinWriter(worker, shared, 0, port1, path);
        if (reported) throw reported;
        return fileOf(path);
      };
    },
    abandon: () => port1.postMessage(null),
  };
}

/** writeInThread's counterpart in the calling thread: one buffer, written and used again. */
export function writeHere(path: string): TextFile {
  const fd = openSync(path, 'w');
  let buffer: Buffer | null = null;
  const segments = new Segments(
    (atLeast) => (buffer = buffer && buffer.length >= atLeast ? buffer : Buffer.allocUnsafe(Math.max(SEGMENT, atLeast))),
    (full, length) => {
      // write(2) may take less than it is given (a disk filling up): what is left goes again.
      for (let at = 0; at < length; ) at += writeSync(fd, full, at, length - at);
    },
  );
  return {
    write: (text) => segments.write(text),
    finish: () => {
      try {
        segments.end();
      } finally {
        closeSync(fd);
      }
      return () => fileOf(path);
    },
    abandon: () => closeSync(fd),
  };
}

function fileOf(path: string): ManifestFile {
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs };
}
