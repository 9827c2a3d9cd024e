import type { DashboardMeasure } from '../../../framework/compile/dashboard_types.js';
import type { ChartData, DashboardData } from '../../../framework/docs/dashboard-types.js';

type Value = string | number | boolean | null;

/** What the filter bar holds: a select's value (or ''), a multi's values (none: all), a time range's span. */
export type FilterState = Record<string, string | string[]>;

/** The spans a time range filter offers, counted back from the newest value in the dashboard's data. */
export const TIME_SPANS: Record<string, number> = { '24h': 24 * 3600_000, '7d': 7 * 86400_000, '30d': 30 * 86400_000 };

/** A chart's rows after its dashboard's filters, re-aggregated: one point per x (and series). */
export interface ChartPoints {
  /** The x values in order (categories, or epoch milliseconds for a time axis). */
  xs: Value[];
  /** Per series: its name and its value at each of xs (null where it has none). */
  series: { name: string; values: (number | null)[] }[];
  /** A KPI's value. */
  total: number | null;
  /** A table's rows, cut to its limit. */
  table: Value[][];
}

/** The newest value of each time range filter's column, over every chart it applies to. */
export function newestOf(dashboard: DashboardData): Record<string, number> {
  const newest: Record<string, number> = {};
  for (const filter of dashboard.filters.filter((f) => f.kind === 'time_range')) {
    for (const chart of dashboard.rows.flatMap((r) => r.charts)) {
      const i = fieldIndex(chart, chart.filterFields[filter.name]);
      if (i < 0) continue;
      for (const row of chart.rows)
        if (typeof row[i] === 'number' && !(row[i]! <= (newest[filter.name] ?? -Infinity))) newest[filter.name] = row[i] as number;
    }
  }
  return newest;
}

const fieldIndex = (chart: ChartData, name: string | undefined) =>
  name === undefined ? -1 : chart.fields.findIndex((f) => f.name === name);

/** The chart's rows that pass every filter that applies to it. */
export function filteredRows(chart: ChartData, dashboard: DashboardData, state: FilterState, newest: Record<string, number>): Value[][] {
  const tests: ((row: Value[]) => boolean)[] = [];
  for (const filter of dashboard.filters) {
    const i = fieldIndex(chart, chart.filterFields[filter.name]);
    const chosen = state[filter.name];
    if (i < 0 || chosen === undefined || chosen === '' || (Array.isArray(chosen) && chosen.length === 0)) continue;
    if (filter.kind === 'time_range') {
      const span = TIME_SPANS[chosen as string];
      const latest = newest[filter.name];
      if (span === undefined || latest === undefined) continue;
      tests.push((row) => typeof row[i] === 'number' && (row[i] as number) > latest - span);
    } else {
      const allowed = new Set(Array.isArray(chosen) ? chosen : [chosen]);
      tests.push((row) => allowed.has(String(row[i])));
    }
  }
  return tests.length ? chart.rows.filter((row) => tests.every((test) => test(row))) : chart.rows;
}

/** Partial aggregates combined: sums add, counts add, an average is their quotient. */
function combine(measure: DashboardMeasure, index: number, chart: ChartData, rows: Value[][]): number | null {
  const column = (kind: string) => fieldIndex(chart, `m${index}_${kind}`);
  const add = (i: number) => rows.reduce<number | null>((sum, row) => (row[i] === null ? sum : (sum ?? 0) + Number(row[i])), null);
  switch (measure.agg) {
    case 'sum':
      return add(column('sum'));
    case 'count':
      return add(column('count')) ?? 0;
    case 'avg': {
      const sum = add(column('sum'));
      const count = add(column('count'));
      return sum === null || !count ? null : sum / count;
    }
    case 'min':
    case 'max': {
      const i = column(measure.agg);
      const values = rows.map((row) => row[i]).filter((v): v is number => typeof v === 'number');
      return values.length ? (measure.agg === 'min' ? Math.min(...values) : Math.max(...values)) : null;
    }
  }
}

export function chartPoints(chart: ChartData, rows: Value[][]): ChartPoints {
  if (chart.kind === 'table') {
    // Rows come in the table's order (order_by), from the query.
    const shown = chart.columns.map((c) => fieldIndex(chart, c));
    return { xs: [], series: [], total: null, table: rows.slice(0, chart.limit ?? 50).map((row) => shown.map((i) => row[i] ?? null)) };
  }
  if (chart.kind === 'kpi') return { xs: [], series: [], total: combine(chart.measures[0]!, 0, chart, rows), table: [] };
  const x = fieldIndex(chart, chart.x ?? undefined);
  const split = fieldIndex(chart, chart.series ?? undefined);
  const groups = new Map<string, { x: Value; key: string; rows: Value[][] }>();
  const xs = new Map<string, Value>();
  const keys = new Set<string>();
  for (const row of rows) {
    const key = split < 0 ? '' : String(row[split]);
    const id = `${String(row[x])}\u0000${key}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { x: row[x] ?? null, key, rows: [] }));
    group.rows.push(row);
    xs.set(String(row[x]), row[x] ?? null);
    keys.add(key);
  }
  let order = [...xs.values()].sort(compare);
  const names = [...keys].sort();
  // One series per measure, or (with a series column, or a heatmap's y) one per value of that column for the first measure.
  const series =
    split < 0
      ? chart.measures.map((m, i) => ({
          name: m.label,
          values: order.map((value) => {
            const group = groups.get(`${String(value)}\u0000`);
            return group ? combine(m, i, chart, group.rows) : null;
          }),
        }))
      : names.map((name) => ({
          name,
          values: order.map((value) => {
            const group = groups.get(`${String(value)}\u0000${name}`);
            return group ? combine(chart.measures[0]!, 0, chart, group.rows) : null;
          }),
        }));
  if (chart.kind === 'bar' && chart.limit !== null && order.length > chart.limit) {
    // The largest bars of the first series.
    const ranked = order.map((_, i) => i).sort((a, b) => (series[0]!.values[b] ?? -Infinity) - (series[0]!.values[a] ?? -Infinity));
    const kept = ranked.slice(0, chart.limit).sort((a, b) => a - b);
    order = kept.map((i) => order[i]!);
    for (const s of series) s.values = kept.map((i) => s.values[i]!);
  }
  return { xs: order, series, total: null, table: [] };
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** A value as the chart's format and unit say. */
export function formatValue(value: number | null, format: ChartData['format'], unit: string): string {
  if (value === null || Number.isNaN(value)) return '–';
  const suffix = unit ? ` ${unit}` : '';
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(1)}%`;
    case 'integer':
      return `${Math.round(value).toLocaleString('en-US')}${suffix}`;
    case 'duration_hours':
      return value >= 48 ? `${(value / 24).toFixed(1)} days` : `${value.toFixed(1)} h`;
    case 'number':
      return `${value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2 })}${suffix}`;
  }
}

/** warning / critical by the chart's thresholds, or '' */
export function thresholdState(value: number | null, thresholds: ChartData['thresholds']): '' | 'warning' | 'critical' {
  if (value === null || !thresholds) return '';
  const past = (limit: number | null) => limit !== null && (thresholds.direction === 'below' ? value < limit : value >= limit);
  return past(thresholds.critical) ? 'critical' : past(thresholds.warning) ? 'warning' : '';
}

/** A time value as a label: a day when it is midnight UTC, else day and time. */
export function timeLabel(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}
