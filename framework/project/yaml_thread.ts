import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { waitForFlag } from '../core/threads.js';
import { type ParsedYaml, yamlSyntaxError } from './yaml.js';

/**
 * YAML read before a thread is worth starting: about 20 ms of parsing on the reading thread,
 * and less than a thread's start. A 10,000-model project has 3 MB of properties YAML.
 */
export const YAML_THREAD_FROM = 256 * 1024;

/**
 * Parses the project's YAML in a worker thread while the files are still being read (a cold
 * `plat compile`): js-yaml's 0.15–0.2 s at 10,000 models overlaps the read instead of
 * following it. Offered files are posted as they are read once their YAML passes
 * YAML_THREAD_FROM; below it nothing is started and the parser parses everything itself.
 * The results are js-yaml's, as parseYaml gives them, keyed by path with the text parsed:
 * parseProject uses one only for that same text, and parses whatever is missing (a file the
 * thread could not parse or send, or a thread that died) itself.
 */
export class YamlThread {
  private pending: [string, string][] = [];
  private bytes = 0;
  private thread: { worker: Worker; port: MessagePort; shared: Int32Array } | null = null;
  private readonly texts = new Map<string, string>();
  /** No thread could be started: the parser parses everything, as below the threshold. */
  private unavailable = false;

  constructor(private readonly from = YAML_THREAD_FROM) {}

  /** A file as read: YAML is queued for the thread, or kept until there is enough to start one. */
  offer(file: string, text: string): void {
    if (this.unavailable || !/\.ya?ml$/.test(file)) return;
    this.texts.set(file, text);
    if (this.thread) {
      this.thread.port.postMessage([file, text]);
      return;
    }
    this.pending.push([file, text]);
    this.bytes += text.length;
    if (this.bytes >= this.from) this.start();
  }

  /** Waits for the thread's parses; empty when none was started. */
  results(): Map<string, ParsedYaml & { text: string }> {
    const parsed = new Map<string, ParsedYaml & { text: string }>();
    if (!this.thread) return parsed;
    const { worker, port, shared } = this.thread;
    this.thread = null;
    port.postMessage(null);
    waitForFlag(worker, shared, 0);
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      const [file, result] = message.message as [string, ThreadResult];
      if (result === null) continue;
      parsed.set(file, {
        // Only offered files are posted, so each has its text here.
        text: this.texts.get(file)!,
        ...('data' in result ? { data: result.data, diagnostics: [] } : yamlSyntaxError(file, result.reason, result.mark)),
      });
    }
    port.close();
    return parsed;
  }

  /** Stops the thread without waiting for its parses (the read failed: nothing will ask for them). */
  cancel(): void {
    if (!this.thread) return;
    this.thread.port.close();
    void this.thread.worker.terminate();
    this.thread = null;
  }

  private start(): void {
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const jsYaml = createRequire(import.meta.url).resolve('js-yaml');
    let worker: Worker;
    try {
      worker = new Worker(WORKER, { eval: true, workerData: { jsYaml, port: port2, shared }, transferList: [port2] });
    } catch {
      // Threads are an optimisation: without one (a process at its limit) the compile is the same, only slower.
      port1.close();
      this.unavailable = true;
      this.pending = [];
      return;
    }
    // The flag, not the worker's exit, says the parses are all sent.
    worker.unref();
    this.thread = { worker, port: port1, shared };
    for (const [file, text] of this.pending) port1.postMessage([file, text]);
    this.pending = [];
  }
}

/** The data, js-yaml's syntax error, or null for a file the thread leaves to the caller. */
type ThreadResult = { data: unknown } | { reason: string; mark: { line: number; column: number } | null } | null;

/**
 * Plain JavaScript, evaluated as the worker's script (see compile/compiled_writer.ts for why).
 * js-yaml's CommonJS build is the same release as the module the parser imports; the load
 * options are parseYaml's.
 */
const WORKER = `
const { workerData } = require('node:worker_threads');
const { jsYaml, port, shared } = workerData;
const yaml = require(jsYaml);
const parse = (file, text) => {
  try {
    return { data: yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA }) ?? null };
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) return null;
    return { reason: String(error.reason), mark: error.mark ? { line: error.mark.line, column: error.mark.column } : null };
  }
};
port.on('message', (message) => {
  if (message === null) {
    port.close();
    Atomics.store(shared, 0, 1);
    Atomics.notify(shared, 0);
    return;
  }
  const [file, text] = message;
  try {
    port.postMessage([file, parse(file, text)]);
  } catch {
    // Data a message cannot carry: the caller parses the file itself.
    port.postMessage([file, null]);
  }
});
`;
