import { existsSync, statSync } from 'node:fs';
import type { EndpointNode, Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import type { Connection, Warehouse } from '../warehouse/connection.js';
import { positionalParameters } from '../warehouse/parameters.js';
import { locateWarehouse, openWarehouse } from '../warehouse/registry.js';
import type { Row } from '../warehouse/types.js';

/** One machine's rows of a forecast: its points and predicted violations, per series. */
export interface ForecastRows {
  points: Row[];
  violations: Row[];
}

/**
 * What the endpoints read, from one committed state of the database: the latest row of every
 * entity of each prediction and every forecast point, in memory (predict and forecast answer
 * from these, without a query), and a read-only connection for analytics.
 */
export interface Snapshot {
  /** When the copy was published (its file time), or when a warehouse read directly was read. */
  publishedAt: string;
  connection: Connection;
  /** `<endpoint>/<choice>` → key → row. */
  predictions: Map<string, Map<string, Row>>;
  /** endpoint → `<key>\u0000<series>` → rows. */
  forecasts: Map<string, Map<string, ForecastRows>>;
  /** Runs a query with $name parameters bound. */
  query(sql: string, params?: Record<string, unknown>): Promise<Row[]>;
}

interface Loaded {
  snapshot: Snapshot;
  warehouse: Warehouse;
  /** The copy's file identity, to notice a newer one. */
  stamp: string;
  users: number;
  retired: boolean;
}

/**
 * The server's view of the database. DuckDB lets one process write a file and no other process
 * read it meanwhile, so `plat serve` never opens the project's database while it may be written:
 * each build and micro-batch publishes a copy of what it committed (run/run.ts), and the server
 * reads the newest copy, switching to a new one between requests when it appears. Requests in
 * flight finish on the copy they started with. Warehouses that any number of processes may read
 * (Trino) are read directly, and read again every `rereadMs`: there is no file to watch, and the
 * rows predict and forecast answer from are held in memory, so without it a server would answer
 * from the build it started on for as long as it runs.
 */
export class ServingData {
  private current: Loaded | null = null;
  private problem: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private readonly copies: boolean;

  constructor(
    private readonly manifest: Manifest,
    private readonly endpoints: readonly EndpointNode[],
    options: { pollMs?: number; rereadMs?: number } = {},
  ) {
    // A warehouse read through copies has a serving store apart from the project's (a file beside
    // it); one that any process may read (Trino) locates both at the same place.
    const at = (store: 'project' | 'serving') => locateWarehouse(manifest.target, { root: manifest.project.root, store }).location;
    this.copies = at('serving') !== at('project');
    // Looking at a file costs nothing; reading a cluster's prediction tables again costs queries.
    this.timer = setInterval(() => void this.refresh(), this.copies ? (options.pollMs ?? 500) : (options.rereadMs ?? 30_000));
    this.timer.unref();
  }

  /** Why nothing can be served yet, or null. */
  get unavailable(): string | null {
    return this.current ? null : (this.problem ?? 'the serving data is still loading');
  }

  get publishedAt(): string | null {
    return this.current?.snapshot.publishedAt ?? null;
  }

  /** Runs `work` on the current snapshot; a newer one replaces it only for later requests. */
  async use<T>(work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    if (!this.current) await this.refresh();
    const loaded = this.current;
    if (!loaded) throw new PlatError('DATABASE_OPEN', this.unavailable!, 'run `plat build` (it publishes what plat serve reads)');
    loaded.users++;
    try {
      return await work(loaded.snapshot);
    } finally {
      loaded.users--;
      if (loaded.retired && loaded.users === 0) closeQuietly(loaded.warehouse);
    }
  }

  /** Loads the newest published copy if it is not the one in use (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load()
      .catch((error: unknown) => {
        this.problem = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.current) {
      this.current.retired = true;
      if (this.current.users === 0) closeQuietly(this.current.warehouse);
      this.current = null;
    }
  }

  private async load(): Promise<void> {
    const { target, project } = this.manifest;
    const copy = locateWarehouse(target, { root: project.root, store: 'serving' }).location;
    if (this.copies) {
      const source = locateWarehouse(target, { root: project.root }).location;
      if (!existsSync(source)) throw new PlatError('DATABASE_OPEN', `no database at ${source} yet`);
      // A database built before it had endpoints has no copy: make one, which only works while no
      // build holds the database; if one does, the next poll tries again.
      if (!existsSync(copy)) await publishFrom(target, project.root);
    }
    // Read directly, each refresh is a new read (see rereadMs).
    const stamp = this.copies ? fileStamp(copy) : `read at ${Date.now()}`;
    if (this.current?.stamp === stamp) return;
    const warehouse = await openWarehouse(target, { root: project.root, mode: 'read-only', store: this.copies ? 'serving' : 'project' });
    try {
      const connection = await warehouse.session();
      const snapshot = await indexSnapshot(connection, this.endpoints, this.copies ? new Date(statSync(copy).mtimeMs) : new Date());
      const previous = this.current;
      this.current = { snapshot, warehouse, stamp, users: 0, retired: false };
      this.problem = null;
      if (previous) {
        previous.retired = true;
        if (previous.users === 0) closeQuietly(previous.warehouse);
      }
    } catch (error) {
      closeQuietly(warehouse);
      throw error;
    }
  }
}

async function publishFrom(target: Manifest['target'], root: string): Promise<void> {
  const warehouse = await openWarehouse(target, { root, mode: 'read-only' });
  try {
    await warehouse.publishServingCopy?.();
  } finally {
    warehouse.close();
  }
}

function fileStamp(path: string): string {
  const { mtimeMs, ino, size } = statSync(path);
  return `${ino}:${mtimeMs}:${size}`;
}

function closeQuietly(warehouse: Warehouse): void {
  try {
    warehouse.close();
  } catch {
    // already closed
  }
}

/** Every row each predict and forecast endpoint answers from, indexed by entity. */
async function indexSnapshot(connection: Connection, endpoints: readonly EndpointNode[], publishedAt: Date): Promise<Snapshot> {
  const query = async (sql: string, params: Record<string, unknown> = {}) => {
    const bound = positionalParameters(sql, params);
    return (await connection.query(bound.sql, bound.values)).map(plainRow);
  };
  const predictions = new Map<string, Map<string, Row>>();
  const forecasts = new Map<string, Map<string, ForecastRows>>();
  for (const endpoint of endpoints) {
    const { serve } = endpoint;
    if (serve.type === 'predict') {
      for (const [choice, prediction] of Object.entries(serve.predictions)) {
        const byKey = new Map<string, Row>();
        // The declared order decides which row of a key is its latest: the first.
        for (const row of await query(prediction.sql)) {
          const key = String(row[serve.key]);
          if (!byKey.has(key)) byKey.set(key, row);
        }
        predictions.set(`${endpoint.name}/${choice}`, byKey);
      }
    } else if (serve.type === 'forecast') {
      const bySeries = new Map<string, ForecastRows>();
      const rowsOf = (row: Row) => {
        const id = `${String(row[serve.key])}\u0000${String(row.metric)}`;
        let rows = bySeries.get(id);
        if (!rows) bySeries.set(id, (rows = { points: [], violations: [] }));
        return rows;
      };
      const { dialect } = connection;
      for (const row of await query(`SELECT * FROM ${dialect.relation(serve.forecasts)} ORDER BY ts`)) rowsOf(row).points.push(row);
      for (const row of await query(`SELECT * FROM ${dialect.relation(serve.violations)} ORDER BY ts`)) rowsOf(row).violations.push(row);
      forecasts.set(endpoint.name, bySeries);
    }
  }
  return { publishedAt: publishedAt.toISOString(), connection, predictions, forecasts, query };
}

/** Values as JSON carries them: 64-bit integers as numbers, times as ISO-8601 text. */
function plainRow(row: Row): Row {
  const plain: Row = {};
  for (const [name, value] of Object.entries(row)) {
    plain[name] = typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.toISOString() : value;
  }
  return plain;
}
