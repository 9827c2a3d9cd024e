/**
 * `plat run --stream` with the project's schedules in the same process. DuckDB lets one process
 * write, so both use one open warehouse: micro-batches and scheduled runs take turns at writing
 * (core/turns.ts) while the consumers keep landing; the Kafka sources the stream consumes are
 * left out of scheduled runs, so the stream alone lands them, exactly once; the history records
 * both (trigger `stream`, trigger `schedule`). The scheduler starts once the stream's first
 * build is done, so a scheduled run finds the landed tables, and stops with the stream.
 */
import { stream, streamedSources, type StreamOptions } from '../api.js';
import type { Manifest } from '../compile/manifest.js';
import { Turns } from '../core/turns.js';
import type { IngestResult } from '../stream/ingest.js';
import { openWarehouse } from '../warehouse/registry.js';
import type { JobOptions, ScheduleEvent } from './job.js';
import { checkSelections, runScheduler, schedulesNamed } from './scheduler.js';

export interface StreamWithSchedulesOptions extends StreamOptions {
  onScheduleEvent: (event: ScheduleEvent) => void;
  /** Only these schedules (default: all of them). */
  schedules?: readonly string[];
  /** `--retries` over the schedules' own. */
  scheduleRetries?: JobOptions['retries'];
}

export async function streamWithSchedules(manifest: Manifest, options: StreamWithSchedulesOptions): Promise<IngestResult[]> {
  // A schedule that cannot run is refused before anything is consumed.
  checkSelections(manifest, schedulesNamed(manifest, options.schedules));
  const streamed = new Set(streamedSources(manifest, options).map((node) => node.uniqueId));
  const warehouse = options.warehouse ?? (await openWarehouse(manifest.target, { root: manifest.project.root }));
  const turns = new Turns();
  // Stops both: the caller's signal, the stream ending on its own, or the scheduler failing.
  const stop = new AbortController();
  const stopBoth = () => stop.abort();
  options.signal.addEventListener('abort', stopBoth, { once: true });
  const running: { scheduler?: Promise<void> } = {};
  try {
    return await stream(manifest, {
      ...options,
      warehouse,
      turns,
      signal: stop.signal,
      onReady: () => {
        options.onReady?.();
        running.scheduler = runScheduler(manifest, {
          signal: stop.signal,
          names: options.schedules,
          env: options.env ?? process.env,
          threads: options.threads,
          retries: options.scheduleRetries,
          onEvent: options.onScheduleEvent,
          onRunEvent: options.onEvent,
          warehouse,
          turns,
          streamed,
        });
        running.scheduler.catch(stopBoth);
      },
    });
  } finally {
    stop.abort();
    options.signal.removeEventListener('abort', stopBoth);
    try {
      // A scheduler that failed stopped the stream: its error is the one to report.
      await running.scheduler;
    } finally {
      if (warehouse !== options.warehouse) warehouse.close();
    }
  }
}
