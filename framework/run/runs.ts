/**
 * Run history in the warehouse: `_plat.runs` (one row per run, whoever started it: the CLI,
 * watch mode, a stream's micro-batches, a schedule) and `_plat.node_runs` (one row per node
 * and attempt). A run's row is written when it starts, as `running`, and completed when it
 * ends, so a run whose process died shows as `running` until a scheduler marks it `aborted`.
 * Every statement is built from the connection's dialect: types, quoting, literals and DDL.
 */
import type { NodeKind } from '../compile/manifest.js';
import type { Connection } from '../warehouse/connection.js';
import type { Relation } from '../warehouse/types.js';
import type { NodeRunRecord, RunOrigin, RunRecord, RunStatus, RunTrigger } from './records.js';

export type { NodeRunRecord, RunOrigin, RunRecord, RunStatus, RunTrigger } from './records.js';
import { errorLocation, type NodeResult, type NodeStatus, type RunResults } from './results.js';

export const HISTORY_SCHEMA = '_plat';
const RUNS: Relation = { schema: HISTORY_SCHEMA, name: 'runs' };
const NODE_RUNS: Relation = { schema: HISTORY_SCHEMA, name: 'node_runs' };

/** One execution of a node; a retried node has one per attempt, the last being its result. */
export interface NodeAttempt {
  result: NodeResult;
  attempt: number;
}

export class RunHistory {
  private constructor(private readonly connection: Connection) {}

  /** The history tables, created where missing. */
  static async on(connection: Connection): Promise<RunHistory> {
    const { dialect } = connection;
    const t = dialect.types;
    const column = (name: string, type: string) => ({ name, type });
    await connection.execute([
      dialect.createSchema(HISTORY_SCHEMA),
      dialect.createTable(
        RUNS,
        [
          column('id', t.bigint),
          column('command', t.text),
          column('trigger', t.text),
          column('schedule', t.text),
          column('scheduled_for', t.timestamptz),
          column('status', t.text),
          column('started_at', t.timestamptz),
          column('finished_at', t.timestamptz),
          column('elapsed', t.double),
          column('nodes', t.integer),
          column('errors', t.integer),
          column('warnings', t.integer),
          column('skipped', t.integer),
          column('error', t.text),
          column('pid', t.integer),
        ],
        { ifNotExists: true, primaryKey: ['id'] },
      ),
      dialect.createTable(
        NODE_RUNS,
        [
          column('run_id', t.bigint),
          column('unique_id', t.text),
          column('name', t.text),
          column('kind', t.text),
          column('attempt', t.integer),
          column('status', t.text),
          column('rows', t.bigint),
          column('failures', t.bigint),
          column('started_at', t.timestamptz),
          column('completed_at', t.timestamptz),
          column('execution_time', t.double),
          column('error', t.text),
          column('error_location', t.text),
          column('detail', t.text),
        ],
        { ifNotExists: true, primaryKey: ['run_id', 'unique_id', 'attempt'] },
      ),
    ]);
    return new RunHistory(connection);
  }

  /** Whether a warehouse has history tables at all (reading commands do not create them). */
  static async exists(connection: Connection): Promise<boolean> {
    return (await connection.columns(RUNS)).length > 0;
  }

  static reader(connection: Connection): RunHistory {
    return new RunHistory(connection);
  }

  private get d() {
    return this.connection.dialect;
  }

  private values(values: readonly unknown[]): string {
    return `(${values.map((v) => (v instanceof Date ? this.d.timestamp(v) : this.d.literal(v ?? null))).join(', ')})`;
  }

  /** Records a run as running; returns its id. */
  async start(command: string, origin: RunOrigin, startedAt: Date, nodes: number): Promise<number> {
    return this.insertRun(command, origin, 'running', startedAt, null, nodes, null);
  }

  /** Records a run that did not start (a dependency failed, the database stayed locked). */
  async skipped(command: string, origin: RunOrigin, at: Date, reason: string): Promise<number> {
    return this.insertRun(command, origin, 'skipped', at, at, 0, reason);
  }

  private async insertRun(
    command: string,
    origin: RunOrigin,
    status: RunStatus,
    startedAt: Date,
    finishedAt: Date | null,
    nodes: number,
    error: string | null,
  ): Promise<number> {
    // Ids count up; two writers in one process may race for one, so a conflict takes the next.
    for (let tries = 0; ; tries++) {
      const [row] = await this.connection.query(
        `SELECT COALESCE(MAX(${this.d.identifier('id')}), 0) + 1 AS next FROM ${this.d.relation(RUNS)}`,
      );
      const id = Number(row!.next);
      const values = [
        id,
        command,
        origin.trigger,
        origin.schedule ?? null,
        origin.scheduledFor ?? null,
        status,
        startedAt,
        finishedAt,
        finishedAt ? (finishedAt.getTime() - startedAt.getTime()) / 1000 : null,
        nodes,
        0,
        0,
        0,
        error,
        process.pid,
      ];
      try {
        await this.connection.execute(`INSERT INTO ${this.d.relation(RUNS)} VALUES ${this.values(values)}`);
        return id;
      } catch (conflict) {
        if (tries >= 5) throw conflict;
      }
    }
  }

  /** Completes a run: its outcome, and a row per node and attempt. */
  async finish(id: number, results: RunResults, attempts: readonly NodeAttempt[], finishedAt: Date): Promise<void> {
    const count = (...statuses: NodeStatus[]) => results.results.filter((r) => statuses.includes(r.status)).length;
    const errors = count('error', 'fail');
    const warnings = count('warn');
    const status: RunStatus = errors > 0 || !results.success ? 'error' : warnings > 0 ? 'warn' : 'success';
    const nodeRows = attempts.map(({ result: r, attempt }) => [
      id,
      r.uniqueId,
      r.name,
      r.kind,
      attempt,
      r.status,
      r.rows,
      r.failures,
      new Date(r.startedAt),
      new Date(r.completedAt),
      r.executionTime,
      r.error?.message ?? null,
      r.error ? errorLocation(r.error) || null : null,
      detailOf(r),
    ]);
    const q = (name: string) => this.d.identifier(name);
    const update =
      `UPDATE ${this.d.relation(RUNS)} SET ${q('status')} = ${this.d.literal(status)}, ${q('finished_at')} = ${this.d.timestamp(finishedAt)}, ` +
      `${q('elapsed')} = ${this.d.literal(results.elapsed)}, ${q('errors')} = ${errors}, ${q('warnings')} = ${warnings}, ${q('skipped')} = ${count('skipped')} ` +
      `WHERE ${q('id')} = ${id}`;
    await this.connection.execute(update);
    if (nodeRows.length === 0) return;
    // DuckDB binds a VALUES list of 1,000 rows in about 0.4 s (measured under load); its appender takes a tenth of that.
    if (this.connection.capabilities.appender) await this.connection.bulkLoad(NODE_RUNS, nodeRows);
    else
      await this.connection.execute(
        `INSERT INTO ${this.d.relation(NODE_RUNS)} VALUES ${nodeRows.map((row) => this.values(row)).join(',\n')}`,
      );
  }

  /** Marks a run that failed as a whole (the process stopped it, an exception ended it). */
  async fail(id: number, status: 'error' | 'aborted', reason: string, finishedAt: Date): Promise<void> {
    const q = (name: string) => this.d.identifier(name);
    await this.connection.execute(
      `UPDATE ${this.d.relation(RUNS)} SET ${q('status')} = ${this.d.literal(status)}, ${q('finished_at')} = ${this.d.timestamp(finishedAt)}, ` +
        `${q('error')} = ${this.d.literal(reason)} WHERE ${q('id')} = ${id}`,
    );
  }

  /**
   * Runs still `running` whose process is gone: marked aborted. Only the writer calls this, and
   * a run holds the database's write lock, so no other process can be running one.
   */
  async abortInterrupted(at: Date, alive: (pid: number) => boolean = () => false): Promise<RunRecord[]> {
    const running = (await this.list({ status: 'running', limit: 1000 })).filter((r) => r.pid === null || !alive(r.pid));
    for (const run of running) await this.fail(run.id, 'aborted', `its process (PID ${run.pid ?? '?'}) stopped before it finished`, at);
    return running;
  }

  async list(filter: { limit: number; status?: RunStatus; schedule?: string } = { limit: 20 }): Promise<RunRecord[]> {
    const q = (name: string) => this.d.identifier(name);
    const where = [
      filter.status ? `${q('status')} = ${this.d.literal(filter.status)}` : null,
      filter.schedule ? `${q('schedule')} = ${this.d.literal(filter.schedule)}` : null,
    ].filter((w) => w !== null);
    const rows = await this.connection.query(
      `SELECT ${runColumns(this.d)} FROM ${this.d.relation(RUNS)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
        `ORDER BY ${q('id')} DESC LIMIT ${filter.limit}`,
    );
    return rows.map(runRecord);
  }

  async get(id: number): Promise<{ run: RunRecord; nodes: NodeRunRecord[] } | null> {
    const q = (name: string) => this.d.identifier(name);
    const [run] = await this.connection.query(`SELECT ${runColumns(this.d)} FROM ${this.d.relation(RUNS)} WHERE ${q('id')} = ${id}`);
    if (!run) return null;
    return { run: runRecord(run), nodes: await this.nodeRuns(`${q('run_id')} = ${id}`) };
  }

  /** Every node's latest `perNode` executions, newest first. */
  async recent(perNode: number): Promise<NodeRunRecord[]> {
    const q = (name: string) => this.d.identifier(name);
    const latest = `SELECT *, ROW_NUMBER() OVER (PARTITION BY ${q('unique_id')} ORDER BY ${q('run_id')} DESC, ${q('attempt')} DESC) AS ${q('n')} FROM ${this.d.relation(NODE_RUNS)}`;
    return this.nodeRuns(`${q('n')} <= ${perNode}`, true, `(${latest}) ${q('l')}`);
  }

  private async nodeRuns(where: string, newestFirst = false, from = this.d.relation(NODE_RUNS)): Promise<NodeRunRecord[]> {
    const d = this.d;
    const q = (name: string) => d.identifier(name);
    const ms = (name: string) => `${d.epochMilliseconds(q(name))} AS ${q(name)}`;
    const rows = await this.connection.query(
      `SELECT ${['run_id', 'unique_id', 'name', 'kind', 'attempt', 'status', 'rows', 'failures'].map(q).join(', ')}, ${ms('started_at')}, ${ms('completed_at')}, ` +
        `${['execution_time', 'error', 'error_location', 'detail'].map(q).join(', ')} FROM ${from} WHERE ${where} ` +
        `ORDER BY ${newestFirst ? `${q('run_id')} DESC, ` : ''}${q('started_at')}, ${q('unique_id')}, ${q('attempt')}`,
    );
    return rows.map((r) => ({
      runId: Number(r.run_id),
      uniqueId: String(r.unique_id),
      name: String(r.name),
      kind: r.kind as NodeKind,
      attempt: Number(r.attempt),
      status: r.status as NodeStatus,
      rows: numberOrNull(r.rows),
      failures: numberOrNull(r.failures),
      startedAt: isoOf(r.started_at)!,
      completedAt: isoOf(r.completed_at)!,
      executionTime: Number(r.execution_time),
      error: (r.error as string | null) ?? null,
      errorLocation: (r.error_location as string | null) ?? null,
      detail: (r.detail as string | null) ?? null,
    }));
  }
}

function runColumns(d: Connection['dialect']): string {
  const q = (name: string) => d.identifier(name);
  const ms = (name: string) => `${d.epochMilliseconds(q(name))} AS ${q(name)}`;
  const plain = ['id', 'command', 'trigger', 'schedule', 'status', 'elapsed', 'nodes', 'errors', 'warnings', 'skipped', 'error', 'pid'];
  return [...plain.map(q), ms('scheduled_for'), ms('started_at'), ms('finished_at')].join(', ');
}

function runRecord(r: Record<string, unknown>): RunRecord {
  return {
    id: Number(r.id),
    command: String(r.command),
    trigger: r.trigger as RunTrigger,
    schedule: (r.schedule as string | null) ?? null,
    scheduledFor: isoOf(r.scheduled_for),
    status: r.status as RunStatus,
    startedAt: isoOf(r.started_at)!,
    finishedAt: isoOf(r.finished_at),
    elapsed: numberOrNull(r.elapsed),
    nodes: Number(r.nodes),
    errors: Number(r.errors),
    warnings: Number(r.warnings),
    skipped: Number(r.skipped),
    error: (r.error as string | null) ?? null,
    pid: numberOrNull(r.pid),
  };
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const isoOf = (ms: unknown) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

function detailOf(result: NodeResult): string | null {
  if (result.skippedBecause) return `skipped: ${result.skippedBecause} failed upstream`;
  // A training's gates say what they decided in its action: "skipped: 42 rows < min_rows 100", "trained v3 (not promoted): …".
  if (result.kind === 'ml_train' && result.status === 'success') return result.action;
  if (result.reused) return 'reused: inputs unchanged';
  return null;
}
