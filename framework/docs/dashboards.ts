import type { Dashboard, DashboardChart } from '../compile/dashboards.js';
import type { Manifest } from '../compile/manifest.js';
import { didYouMean } from '../core/suggest.js';
import type { Connection } from '../warehouse/connection.js';
import type { ChartData, DashboardData, DashboardField } from './dashboard-types.js';

export type { ChartData, DashboardData };

/** Rows a chart may hold in the page: past it the snapshot is cut and says so. */
export const MAX_CHART_ROWS = 10000;
/** Rows of a table read before filters apply (a table shows its limit: of what is left). */
const TABLE_ROWS = 1000;

const isTime = (type: string) => /^(TIMESTAMP|DATE)/i.test(type);
const isNumber = (type: string) =>
  /^(DOUBLE|FLOAT|DECIMAL|NUMERIC|INTEGER|INT|BIGINT|HUGEINT|SMALLINT|TINYINT|REAL|UBIGINT|UINTEGER)/i.test(type);

/**
 * Each dashboard's data as the page draws it, read through the warehouse seam: per chart, its rows
 * grouped by x, series and the columns of the filters that apply to it, with partial aggregates
 * (sum and count for an average) so the page can filter and re-aggregate without a query.
 */
export async function dashboardsData(manifest: Manifest, session: Connection | null, now: Date): Promise<Record<string, DashboardData>> {
  const data: Record<string, DashboardData> = {};
  for (const dashboard of Object.values(manifest.dashboards)) data[dashboard.name] = await dashboardData(dashboard, session, now);
  return data;
}

/**
 * One dashboard's data read now, or null when the manifest has no dashboard of that name: what a
 * server that refreshes from the warehouse answers GET /v1/dashboards/<name> with.
 */
export async function dashboardByName(manifest: Manifest, session: Connection, name: string, now: Date): Promise<DashboardData | null> {
  const dashboard = Object.hasOwn(manifest.dashboards, name) ? manifest.dashboards[name]! : null;
  return dashboard ? dashboardData(dashboard, session, now) : null;
}

export async function dashboardData(dashboard: Dashboard, session: Connection | null, now: Date): Promise<DashboardData> {
  const rows: DashboardData['rows'] = [];
  for (const row of dashboard.rows) {
    const charts: ChartData[] = [];
    for (const chart of row.charts) charts.push(await chartData(dashboard, chart, session));
    rows.push({ title: row.title, charts });
  }
  return {
    name: dashboard.name,
    title: dashboard.title,
    description: dashboard.description,
    exposure: dashboard.exposure,
    generatedAt: now.toISOString(),
    filters: dashboard.filters.map((filter) => ({
      ...filter,
      options: filterOptions(
        filter.name,
        filter.kind,
        rows.flatMap((r) => r.charts),
      ),
    })),
    rows,
  };
}

/** The distinct values of a select filter's column across the charts it applies to, sorted. */
function filterOptions(name: string, kind: string, charts: ChartData[]): string[] {
  if (kind === 'time_range') return [];
  const values = new Set<string>();
  for (const chart of charts) {
    const field = chart.filterFields[name];
    if (field === undefined) continue;
    const i = chart.fields.findIndex((f) => f.name === field);
    for (const row of chart.rows) if (row[i] !== null && row[i] !== undefined) values.add(String(row[i]));
  }
  return [...values].sort();
}

async function chartData(dashboard: Dashboard, chart: DashboardChart, session: Connection | null): Promise<ChartData> {
  const { from: _, reads: __, ...shown } = chart;
  const empty: ChartData = { ...shown, fields: [], rows: [], filterFields: {}, truncated: false, error: null };
  if (!session) return { ...empty, error: 'the project is not built: run `plat build`' };
  let columns: { name: string; type: string }[];
  try {
    columns = await session.describe(chart.from);
  } catch (error) {
    return { ...empty, error: (error as Error).message };
  }
  const names = columns.map((c) => c.name);
  const typeOf = new Map(columns.map((c) => [c.name, c.type]));
  const used = [chart.x, chart.series, chart.orderBy, ...chart.columns, ...chart.measures.map((m) => m.column)];
  for (const column of used) {
    if (column !== null && !typeOf.has(column)) {
      const hint = didYouMean(column, names);
      return { ...empty, error: `unknown column "${column}" in ${dashboard.path} (chart "${chart.title}")${hint ? ` — ${hint}` : ''}` };
    }
  }
  // A filter applies where the chart names its column, or else where the chart has the filter's column.
  const filterFields: Record<string, string> = {};
  for (const filter of dashboard.filters) {
    const named = chart.filterColumns[filter.name];
    const column = named === false ? null : (named ?? filter.column);
    if (column !== null && typeOf.has(column)) filterFields[filter.name] = column;
  }
  const { dialect } = session;
  const q = (name: string) => dialect.identifier(name);
  const dimension = (name: string): DashboardField => ({
    name,
    role: 'dimension',
    type: isTime(typeOf.get(name)!) ? 'time' : isNumber(typeOf.get(name)!) ? 'number' : 'text',
  });
  const select = (field: DashboardField) => (field.type === 'time' ? dialect.epochMilliseconds(q(field.name)) : q(field.name));
  let fields: DashboardField[];
  let sql: string;
  if (chart.kind === 'table') {
    fields = unique([...chart.columns, ...Object.values(filterFields)]).map(dimension);
    // Ties are broken by every shown column, or two reads of one build could show different rows.
    const tieBreak = fields.map((_, i) => `${i + 1} asc nulls last`);
    const keys = chart.orderBy ? [`${q(chart.orderBy)} ${chart.order === 'asc' ? 'asc' : 'desc'} nulls last`, ...tieBreak] : tieBreak;
    const order = keys.length ? ` order by ${keys.join(', ')}` : '';
    sql = `select ${fields.map((f) => `${select(f)} as ${q(f.name)}`).join(', ')} from (${chart.from}) as chart${order} limit ${TABLE_ROWS + 1}`;
  } else {
    const dimensions = unique([chart.x, chart.series, ...Object.values(filterFields)].filter((c): c is string => c !== null)).map(
      dimension,
    );
    const partials: { field: DashboardField; sql: string }[] = [];
    chart.measures.forEach((measure, i) => {
      const value = dialect.cast(q(measure.column), dialect.types.double);
      const part = (kind: string, expression: string) =>
        partials.push({ field: { name: `m${i}_${kind}`, role: 'measure', type: 'number' }, sql: expression });
      if (measure.agg === 'sum' || measure.agg === 'avg') part('sum', `sum(${value})`);
      if (measure.agg === 'count' || measure.agg === 'avg') part('count', `count(${q(measure.column)})`);
      if (measure.agg === 'min') part('min', `min(${value})`);
      if (measure.agg === 'max') part('max', `max(${value})`);
    });
    fields = [...dimensions, ...partials.map((p) => p.field)];
    const list = [...dimensions.map((f) => `${select(f)} as ${q(f.name)}`), ...partials.map((p) => `${p.sql} as ${q(p.field.name)}`)];
    const grouped = dimensions.length
      ? ` group by ${dimensions.map((_, i) => i + 1).join(', ')} order by ${dimensions.map((_, i) => i + 1).join(', ')}`
      : '';
    sql = `select ${list.join(', ')} from (${chart.from}) as chart${grouped} limit ${MAX_CHART_ROWS + 1}`;
  }
  try {
    const result = await session.query(sql);
    const bound = chart.kind === 'table' ? TABLE_ROWS : MAX_CHART_ROWS;
    return {
      ...shown,
      fields,
      rows: result.slice(0, bound).map((row) => fields.map((f) => plain(row[f.name], f.type))),
      filterFields,
      truncated: result.length > bound,
      error: null,
    };
  } catch (error) {
    return { ...empty, error: (error as Error).message };
  }
}

/** JSON-ready: numbers (bigints, decimals) as numbers, dates as epoch milliseconds, everything else as text. */
function plain(value: unknown, type: DashboardField['type']): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint' || (type === 'number' && typeof value !== 'number')) return Number(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Date) return value.getTime();
  return String(value);
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
