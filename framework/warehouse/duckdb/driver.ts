/** The DuckDB adapter's driver side, loaded by the registry when a warehouse is opened. */
import type { AdapterDriver } from '../registry.js';
import type { DuckDBTarget } from '../types.js';
import { locateDuckDB } from './locate.js';
import { openDuckDB } from './open.js';
import { duckdbParser } from './parse.js';

/**
 * A stream appends a micro-batch at a time, and each checkpoint stores what it appended as a
 * small row group; once they add up to a full one, the checkpoint's vacuum merges them, while
 * every commit waits. At DuckDB's 122,880 rows that merge took 0.4-0.7 s alone (1-1.8 s under a
 * stream's load): the spikes of the stream's p95. Measured over 3M rows appended 2,500 at a time
 * with a checkpoint each, longest checkpoint / median at the end / all checkpoints:
 * 122,880 rows 682 ms / 16 ms / 42 s; 65,536 401 / 19 / 42; 32,768 204 / 21 / 39;
 * 16,384 144 / 29 / 54 (the table's row group list, written at every checkpoint, grows).
 */
const STREAM_ROW_GROUP_SIZE = 32_768;

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
