/**
 * Writes data/maintenance_history.csv and data/failure_history.csv: the machines' lifecycle (the
 * one sources.yml declares for the three topics) in the two years before the streams begin, as
 * a maintenance system would export it. Generated rather than typed in, so the history and the
 * streams are one story: the last repair or maintenance before the window is when each machine's
 * wear was reset, and the failure counts reflect each machine's own reliability.
 *
 *   npm run build && node dist/examples/factory/scripts/history.js [examples/factory]
 *
 * test/factory.test.ts checks that the shipped files equal what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseProject, readProjectFiles } from '../../../framework/index.js';
import { generateTable } from '../../../framework/run/sources/generator.js';

/** The export covers two years before the window. */
const EXPORT_YEARS = 2;

export interface History {
  maintenance: string[][];
  failures: string[][];
}

export function factoryHistory(projectDir: string): History {
  const { spec } = parseProject(readProjectFiles(projectDir));
  const status = spec.sources.find((s) => s.sourceName === 'factory' && s.name === 'equipment_status');
  const generator = status?.generator;
  if (!generator?.series?.end || !generator.series.last) throw new Error('factory.equipment_status needs a series generator with end and last');
  const windowStart = new Date(Date.parse(generator.series.end) - parseDays(generator.series.last));
  const exportStart = new Date(windowStart);
  exportStart.setUTCFullYear(exportStart.getUTCFullYear() - EXPORT_YEARS);
  const table = generateTable(
    {
      ...generator,
      corrupt: [],
      series: { ...generator.series, start: exportStart.toISOString(), end: windowStart.toISOString(), last: undefined },
      write: ['equipment_id', 'ts', 'event_type', 'error_code'],
    },
    new Date(),
    generator.seed,
    { root: projectDir },
  );
  const open = new Map<string, { kind: 'failure' | 'maintenance'; at: string; code: string | null }>();
  const maintenance: string[][] = [];
  const failures: string[][] = [];
  for (const [equipment, ts, event, code] of table.rows as Iterable<[string, string, string, string | null]>) {
    if (event === 'failure') open.set(equipment, { kind: 'failure', at: ts, code });
    else if (event === 'maintenance_start') open.set(equipment, { kind: 'maintenance', at: ts, code: null });
    else if (event === 'repair' || event === 'maintenance_end') {
      const started = open.get(equipment);
      open.delete(equipment);
      // Work that began before the export (or is still open at the window) is not in it.
      if (!started) continue;
      if (started.kind === 'failure') {
        failures.push([`F-${String(failures.length + 1).padStart(5, '0')}`, equipment, started.at, started.code ?? '', ts]);
        maintenance.push([`WO-${String(maintenance.length + 1).padStart(5, '0')}`, equipment, 'corrective', started.at, ts]);
      } else maintenance.push([`WO-${String(maintenance.length + 1).padStart(5, '0')}`, equipment, 'planned', started.at, ts]);
    }
  }
  return { maintenance, failures };
}

function parseDays(duration: string): number {
  const match = /^(\d+)d$/.exec(duration);
  if (!match) throw new Error(`expected a span in days, got ${duration}`);
  return Number(match[1]) * 86_400_000;
}

export function historyCsv(history: History): { maintenance: string; failures: string } {
  const csv = (header: string[], rows: string[][]) => [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
  return {
    maintenance: csv(['work_order_id', 'equipment_id', 'maintenance_type', 'started_at', 'completed_at'], history.maintenance),
    failures: csv(['failure_id', 'equipment_id', 'failed_at', 'error_code', 'repaired_at'], history.failures),
  };
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('scripts', 'history.js'))) {
  const dir = resolve(process.argv[2] ?? 'examples/factory');
  const files = historyCsv(factoryHistory(dir));
  writeFileSync(join(dir, 'data/maintenance_history.csv'), files.maintenance);
  writeFileSync(join(dir, 'data/failure_history.csv'), files.failures);
  process.stdout.write(`wrote ${files.maintenance.split('\n').length - 2} work orders and ${files.failures.split('\n').length - 2} failures to ${join(dir, 'data')}\n`);
}
