/**
 * The adapters, keyed by `target.type`. A dialect and the capabilities are plain data, loaded
 * with this module (the compiler reads them); an engine's driver is loaded only when a
 * warehouse is opened, so compiling never loads one.
 */
import { PlatError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { Capabilities, Connection, OpenOptions, SandboxedConnection, Warehouse, WarehouseLocation } from './connection.js';
import type { Dialect } from './dialect.js';
import { duckdbCapabilities, duckdbDialect } from './duckdb/dialect.js';
import { locateDuckDB } from './duckdb/locate.js';
import { trinoCapabilities, trinoDialect } from './trino/dialect.js';
import { locateTrino, placementOf } from './trino/locate.js';
import type { DuckDBTarget, Target, TargetType, TrinoTarget } from './types.js';

/**
 * Parses statements in memory into the trees column lineage reads (docs/lineage.ts reads
 * DuckDB's json_serialize_sql form). A statement it cannot parse gets null.
 */
export interface SqlParser {
  parse(statements: readonly string[]): Promise<(Record<string, unknown> | null)[]>;
  close(): void;
}

/** What an adapter's driver module provides; loaded on first use. */
export interface AdapterDriver {
  open(target: Target, options: OpenOptions): Promise<Warehouse<Connection> | Warehouse<SandboxedConnection>>;
  /** Absent where the engine offers no parser plat can use: the docs then show no column lineage. */
  parser?: () => Promise<SqlParser>;
}

interface Adapter {
  /** A target's SQL: where the engine names relations by where the target puts them, the dialect knows that place. */
  dialect(target: Target): Dialect;
  capabilities: Capabilities;
  locate(target: Target, options: Pick<OpenOptions, 'root' | 'store'>): WarehouseLocation;
  driver(): Promise<AdapterDriver>;
}

const adapters: Record<TargetType, Adapter> = {
  duckdb: {
    dialect: () => duckdbDialect,
    capabilities: duckdbCapabilities,
    locate: (target, options) => locateDuckDB(target as DuckDBTarget, options),
    driver: () => import('./duckdb/driver.js').then((m) => m.duckdbDriver),
  },
  trino: {
    dialect: (target) => trinoDialect(placementOf(target as TrinoTarget, 'project')),
    capabilities: trinoCapabilities,
    locate: (target, options) => locateTrino(target as TrinoTarget, options),
    driver: () => import('./trino/driver.js').then((m) => m.trinoDriver),
  },
};

export const TARGET_TYPES = Object.keys(adapters) as TargetType[];

function adapterFor(type: string): Adapter {
  const adapter = adapters[type as TargetType];
  if (!adapter)
    throw new PlatError(
      'USAGE',
      `no warehouse adapter "${type}"`,
      didYouMean(type, TARGET_TYPES) ?? `adapters: ${TARGET_TYPES.join(', ')}`,
    );
  return adapter;
}

/** The SQL of a target; pure, for the compiler. */
export function dialectFor(target: Target): Dialect {
  return adapterFor(target.type).dialect(target);
}

export function capabilitiesOf(type: TargetType): Capabilities {
  return adapterFor(type).capabilities;
}

export function locateWarehouse(target: Target, options: Pick<OpenOptions, 'root' | 'store'>): WarehouseLocation {
  return adapterFor(target.type).locate(target, options);
}

export function openWarehouse(target: Target, options: OpenOptions & { mode: 'sandboxed' }): Promise<Warehouse<SandboxedConnection>>;
export function openWarehouse(target: Target, options: OpenOptions & { mode?: 'read-write' | 'read-only' }): Promise<Warehouse<Connection>>;
export async function openWarehouse(target: Target, options: OpenOptions): Promise<Warehouse<Connection> | Warehouse<SandboxedConnection>> {
  return (await adapterFor(target.type).driver()).open(target, options);
}

/** A connection to an in-memory DuckDB that reads files on this machine, for warehouses whose SQL cannot (capabilities.readsFiles). */
export async function openFileReader(): Promise<Connection> {
  return (await import('./duckdb/reader.js')).openFileReader();
}

/** The in-memory parser column lineage uses, or null where the adapter has none. */
export async function sqlParserFor(type: TargetType): Promise<SqlParser | null> {
  const driver = await adapterFor(type).driver();
  return driver.parser ? driver.parser() : null;
}
