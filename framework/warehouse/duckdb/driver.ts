/** The DuckDB adapter's driver side, loaded by the registry when a warehouse is opened. */
import type { AdapterDriver } from '../registry.js';
import type { DuckDBTarget } from '../types.js';
import { locateDuckDB } from './locate.js';
import { openDuckDB } from './open.js';
import { duckdbParser } from './parse.js';

export const duckdbDriver: AdapterDriver = {
  open: (target, options) => {
    const { location, display } = locateDuckDB(target as DuckDBTarget, options);
    const serving =
      options.store === 'project' || options.store === undefined
        ? locateDuckDB(target as DuckDBTarget, { ...options, store: 'serving' })
        : null;
    const settings = { ...(target as DuckDBTarget).settings, ...(options.threads ? { threads: String(options.threads) } : {}) };
    return openDuckDB({ path: location, display }, options.mode ?? 'read-write', settings, serving?.location);
  },
  parser: duckdbParser,
};
