/** The DuckDB adapter's driver side, loaded by the registry when a warehouse is opened. */
import type { AdapterDriver } from '../registry.js';
import type { DuckDBTarget } from '../types.js';
import { locateDuckDB } from './locate.js';
import { openDuckDB } from './open.js';
import { duckdbParser } from './parse.js';

/**
 * A stream appends a micro-batch at a time, and each checkpoint stores what it appended as a
 * small row group; once they add up to a full one, the checkpoint's vacuum merges them. At
 * DuckDB's 122,880 rows that merge took 0.7 s (1-1.8 s under a stream's load), stalling every
 * commit meanwhile: the spikes of the stream's p95. At 16,384 rows it takes 0.12 s, for the same
 * checkpoint time in all and the same scan times (measured; see the README's streaming notes).
 */
const STREAM_ROW_GROUP_SIZE = 16_384;

export const duckdbDriver: AdapterDriver = {
  open: (target, options) => {
    const { location, display } = locateDuckDB(target as DuckDBTarget, options);
    const serving =
      options.store === 'project' || options.store === undefined
        ? locateDuckDB(target as DuckDBTarget, { ...options, store: 'serving' })
        : null;
    const settings = { ...(target as DuckDBTarget).settings, ...(options.threads ? { threads: String(options.threads) } : {}) };
    return openDuckDB({ path: location, display }, options.mode ?? 'read-write', settings, {
      servingCopy: serving?.location,
      rowGroupSize: options.workload === 'stream' ? STREAM_ROW_GROUP_SIZE : undefined,
    });
  },
  parser: duckdbParser,
};
