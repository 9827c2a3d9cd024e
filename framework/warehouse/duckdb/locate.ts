import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { OpenOptions, WarehouseLocation } from '../connection.js';
import type { DuckDBTarget } from '../types.js';

/** A database file: the target's path, or the agent's index in target/ beside the project's. */
export function locateDuckDB(target: DuckDBTarget, options: Pick<OpenOptions, 'root' | 'store'>): WarehouseLocation {
  const path = options.store === 'agent_index' ? join(options.root, 'target', 'agent_index.duckdb') : resolve(options.root, target.path);
  const fromCwd = relative(process.cwd(), path);
  return { location: path, display: fromCwd.startsWith('..') ? path : fromCwd, exists: existsSync(path) };
}
