import type { DuckDBConnection } from '@duckdb/node-api';
import { text } from './quote.js';

/**
 * DuckDB keeps every block a checkpoint writes in its buffer cache, up to its memory limit (80 %
 * of RAM unless set), and stores each small table in a 256 KB block of its own. Closing a build
 * of 5,000 ten-row tables grew a plain DuckDB process from 309 to 1,515 MB for blocks nobody
 * reads again; the same checkpoint under a 512 MB limit ended at 722 MB, in the same time (a
 * block on disk is dropped from the cache, not written out again). So the closing checkpoint
 * runs with the limit lowered to what the database holds plus a tenth, never raised, then put
 * back (through plat: 1,545 MB at 5,000 tables; 764 MB with a quarter and at least 512 MB;
 * 699 MB with a tenth and at least 256 MB; 676 MB with a twentieth). If DuckDB refuses the lower limit, or the checkpoint fails under it, closing
 * checkpoints as it always does.
 */
export async function checkpointLean(connection: DuckDBConnection, settings: Record<string, string>): Promise<void> {
  const value = async (sql: string) => (await connection.runAndReadAll(sql)).getRows()[0]![0];
  const used = Number(await value('SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()'));
  const limit = String(await value("SELECT current_setting('memory_limit')"));
  const lean = Math.max(LEAST, Math.ceil(used * MARGIN));
  if (lean >= (bytesOf(limit) ?? Infinity)) return;
  try {
    await connection.run(`SET memory_limit = ${text(`${Math.ceil(lean / 2 ** 20)}MiB`)}`);
  } catch {
    return;
  }
  try {
    await connection.run('CHECKPOINT');
  } catch {
    // Closing checkpoints again, under the limit put back below.
  } finally {
    // The limit as the target set it, or DuckDB's default: the printed one ('18.8 GiB') is rounded.
    const configured = Object.entries(settings).find(([name]) => /^(memory_limit|max_memory)$/i.test(name))?.[1];
    await connection.run(configured === undefined ? 'RESET memory_limit' : `SET memory_limit = ${text(configured)}`);
  }
}

/** What the lowered limit leaves above the memory in use: DuckDB refuses a limit below it (256 MB, for 5,000 tables holding 420). */
const MARGIN = 1.1;
const LEAST = 256 * 2 ** 20;

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** A memory size as DuckDB prints it ('19.2 GiB', '512.0 MiB'); null when it is not one. */
export function bytesOf(size: string): number | null {
  const match = /^\s*([\d.]+)\s*([KMGT]?I?B)\s*$/i.exec(size);
  const unit = match ? UNITS[match[2]!.toUpperCase()] : undefined;
  return match && unit ? Number(match[1]) * unit : null;
}
