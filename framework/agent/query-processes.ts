import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PlatError, type ErrorCode } from '../core/errors.js';
import { QueryRejected, type GuardedResult, type Target } from '../warehouse/types.js';
import type { QueryReply, QueryRequest } from './query-protocol.js';

/** How long past its time limit a query may take to stop by itself before its process is killed. */
const GRACE_MS = 250;
/** Idle processes kept for the next question, and for how long. */
const IDLE_PROCESSES = 2;
const IDLE_MS = 10_000;

/**
 * A child process running sandboxed queries (query-child.ts), one request at a time. It stops
 * its own query at the time limit; when it cannot (DuckDB in a step it does not interrupt,
 * such as finishing a list of a hundred million items, or the process busy turning a huge
 * result into JSON), it is killed. Either way the agent's process, and the HTTP server in it,
 * never wait for a query. A worker thread cannot be used instead: terminating one while DuckDB
 * works for it aborts the whole process, and exiting waits for DuckDB to finish.
 */
export class QueryProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: ((reply: QueryReply) => void) | null = null;
  /** How requests are answered once the process has ended. */
  private ended: QueryReply | null = null;
  private stderr = '';

  constructor(heapMb: number) {
    this.child = fork(fileURLToPath(new URL('./query-child.js', import.meta.url)), [], {
      // A debugger's flags would make the child wait for a debugger of its own.
      execArgv: [...process.execArgv.filter((flag) => !flag.startsWith('--inspect')), `--max-old-space-size=${heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-4_000)));
    this.child.on('message', (reply: QueryReply) => this.settle(reply));
    this.child.on('error', (error) => this.end(failed(`the query process failed: ${error.message}`)));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        const said = this.stderr.trim().split('\n').at(-1);
        this.end(
          /heap out of memory/i.test(this.stderr)
            ? { kind: 'rejected', message: 'the result needs more memory than a query may use; select fewer or smaller values' }
            : failed(`the query process stopped (${signal ?? `exit code ${code}`})${said ? `: ${said}` : ''}`),
        );
        resolve();
      }),
    );
  }

  get alive(): boolean {
    return this.ended === null;
  }

  async open(target: Target, root: string): Promise<void> {
    expect(await this.request({ kind: 'open', target, root }, null), 'opened');
  }

  async query(
    sql: string,
    params: Record<string, unknown> | unknown[],
    limits: { rows: number; timeoutMs: number; bytes: number },
  ): Promise<GuardedResult> {
    return expect(await this.request({ kind: 'query', sql, params, limits }, limits.timeoutMs), 'result').result;
  }

  /** Closes the database; the process stays for another. */
  async closeDatabase(): Promise<void> {
    expect(await this.request({ kind: 'close' }, null), 'closed');
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
    (this.child.stderr as Socket).ref();
  }

  /** Lets the agent's process exit while this one idles. */
  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
    (this.child.stderr as Socket).unref();
  }

  /** Kills the process, and with it any query it runs. */
  stop(): Promise<void> {
    this.ref();
    this.kill('the query was stopped');
    return this.exited;
  }

  private request(message: QueryRequest, timeoutMs: number | null): Promise<QueryReply> {
    const send = async (): Promise<QueryReply> => {
      if (this.ended) return this.ended;
      const reply = new Promise<QueryReply>((settle) => (this.waiting = settle));
      this.child.send(message);
      const timer =
        timeoutMs === null ? null : setTimeout(() => this.kill(QueryRejected.timeLimit(timeoutMs).message), timeoutMs + GRACE_MS);
      try {
        return await reply;
      } finally {
        if (timer) clearTimeout(timer);
      }
    };
    const next = this.queue.then(send, send);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private settle(reply: QueryReply): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(reply);
  }

  private end(reply: QueryReply): void {
    if (this.ended) return;
    this.ended = reply;
    this.settle(reply);
  }

  /** Kills the process; the request it runs, and any after, are refused for `reason`. */
  private kill(reason: string): void {
    this.end({ kind: 'rejected', message: reason });
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

const failed = (message: string): QueryReply => ({ kind: 'failed', code: 'QUERY_FAILED', message, hint: null });

function expect<K extends QueryReply['kind']>(reply: QueryReply, kind: K): Extract<QueryReply, { kind: K }> {
  if (reply.kind === kind) return reply as Extract<QueryReply, { kind: K }>;
  if (reply.kind === 'rejected') throw new QueryRejected(reply.message);
  if (reply.kind === 'failed')
    throw reply.code ? new PlatError(reply.code as ErrorCode, reply.message, reply.hint) : new Error(reply.message);
  throw new Error(`the query process answered ${reply.kind} instead of ${kind}`);
}

/**
 * Query processes kept for reuse: starting one, which loads DuckDB, takes longer than most
 * queries. Idle ones do not keep the agent's process alive and end after a while.
 */
export class QueryProcesses {
  private readonly idle: { child: QueryProcess; expiry: NodeJS.Timeout }[] = [];
  private readonly lent = new Set<QueryProcess>();

  constructor(private readonly heapMb: number) {}

  acquire(): QueryProcess {
    let found: QueryProcess | null = null;
    while (!found && this.idle.length > 0) {
      const entry = this.idle.pop()!;
      clearTimeout(entry.expiry);
      if (entry.child.alive) found = entry.child;
    }
    const child = found ?? new QueryProcess(this.heapMb);
    child.ref();
    this.lent.add(child);
    return child;
  }

  /** Takes back a query process whose database is closed. */
  release(child: QueryProcess): void {
    this.lent.delete(child);
    if (!child.alive) return;
    if (this.idle.length >= IDLE_PROCESSES) {
      void child.stop();
      return;
    }
    child.unref();
    const expiry = setTimeout(() => {
      this.idle.splice(
        this.idle.findIndex((e) => e.child === child),
        1,
      );
      void child.stop();
    }, IDLE_MS);
    expiry.unref();
    this.idle.push({ child, expiry });
  }

  /** Kills every query process, running queries included. */
  async close(): Promise<void> {
    const all = [
      ...this.lent,
      ...this.idle.map((e) => {
        clearTimeout(e.expiry);
        return e.child;
      }),
    ];
    this.idle.length = 0;
    this.lent.clear();
    await Promise.all(all.map((p) => p.stop()));
  }
}
