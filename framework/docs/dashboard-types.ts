import type { Dashboard, DashboardChart } from '../compile/dashboard_types.js';

/** A column of a chart's rows: a dimension (x, series, a filter's column) or a partial aggregate `m<i>_<sum|count|min|max>`. */
export interface DashboardField {
  name: string;
  role: 'dimension' | 'measure';
  /** time: epoch milliseconds. */
  type: 'time' | 'number' | 'text';
}

/** One chart with its data: what dashboards.js holds and GET /v1/dashboards/<name> returns, per chart. */
export interface ChartData extends Omit<DashboardChart, 'from' | 'reads'> {
  fields: DashboardField[];
  rows: (string | number | boolean | null)[][];
  /** Filter name → the field it filters in this chart; filters not named here leave the chart alone. */
  filterFields: Record<string, string>;
  /** More rows than the page is given (MAX_CHART_ROWS) matched: the chart shows the first ones. */
  truncated: boolean;
  /** Why the chart has no data (the project is not built, a column it names is gone). */
  error: string | null;
}

export interface DashboardData {
  name: string;
  title: string;
  description: string;
  /** The exposure node's id, for the link to its lineage. */
  exposure: string;
  generatedAt: string;
  /** options: a select filter's values, from the data. */
  filters: (Dashboard['filters'][number] & { options: string[] })[];
  rows: { title: string; charts: ChartData[] }[];
}
