/** dashboards/<name>.yml, as validated by schemas/dashboards.schema.json. */
export type DashboardAgg = 'sum' | 'avg' | 'min' | 'max' | 'count';
export type ChartKind = 'line' | 'bar' | 'stacked_bar' | 'stacked_area' | 'kpi' | 'table' | 'heatmap';
export type FilterKind = 'select' | 'multi' | 'time_range';
export type ChartFormat = 'number' | 'integer' | 'percent' | 'duration_hours';

export interface MeasureSpec {
  column: string;
  agg?: DashboardAgg;
  label?: string;
}

export interface ChartSpec {
  title: string;
  kind: ChartKind;
  ref?: string;
  sql?: string;
  x?: string;
  y?: string | MeasureSpec | (string | MeasureSpec)[];
  value?: string | MeasureSpec;
  series?: string;
  agg?: DashboardAgg;
  columns?: string[];
  order_by?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  format?: ChartFormat;
  unit?: string;
  thresholds?: { warning?: number; critical?: number; direction?: 'above' | 'below' };
  filters?: Record<string, string | false>;
  width?: number;
}

export interface DashboardSpec {
  /** The file's name without .yml. */
  name: string;
  title: string;
  description?: string;
  tags?: string[];
  owner?: { name?: string; email?: string };
  filters?: { name: string; label?: string; column: string; kind: FilterKind }[];
  rows: { title?: string; charts: ChartSpec[] }[];
  origin: { file: string; path: (string | number)[] };
}
