import { existsSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { OpenOptions, WarehouseLocation } from '../connection.js';
import type { DuckDBTarget } from '../types.js';

/** A database file: the target's path, or the agent's index in target/ beside the project's. */
export function locateDuckDB(target: DuckDBTarget, options: Pick<OpenOptions, 'root' | 'store'>): WarehouseLocation {
  const project = resolve(options.root, target.path);
  const path =
    options.store === 'agent_index'
      ? join(options.root, 'target', 'agent_index.duckdb')
      : options.store === 'serving'
        ? join(options.root, 'target', 'serving', basename(project))
        : project;
  const fromCwd = relative(process.cwd(), path);
  return { location: path, display: fromCwd.startsWith('..') ? path : fromCwd, exists: existsSync(path) };
}
