/** The manifest's dashboards (compiled by dashboards.ts); types only, so the browser code can read them too. */
import type { ChartFormat, ChartKind, DashboardAgg, FilterKind } from '../project/dashboard_spec.js';

export interface DashboardMeasure {
  column: string;
  agg: DashboardAgg;
  label: string;
}

/** One chart, compiled: what it reads as one SELECT, and how its rows become a picture. */
export interface DashboardChart {
  /** `r<row>c<chart>`: stable while the file's layout is. */
  id: string;
  title: string;
  kind: ChartKind;
  /** A SELECT over the warehouse: the ref'd relation, or the chart's own linked SQL. */
  from: string;
  /** The nodes it reads. */
  reads: string[];
  x: string | null;
  /** A heatmap's second category, or the column whose values split a chart into series. */
  series: string | null;
  measures: DashboardMeasure[];
  /** A table's columns. */
  columns: string[];
  orderBy: string | null;
  order: 'asc' | 'desc';
  limit: number | null;
  format: ChartFormat;
  unit: string;
  thresholds: { warning: number | null; critical: number | null; direction: 'above' | 'below' } | null;
  /** Filters named by the chart: the column each filters here, or false; the others apply where the chart has their column. */
  filterColumns: Record<string, string | false>;
  /** Quarters of its row. */
  width: number;
}

export interface Dashboard {
  name: string;
  title: string;
  description: string;
  path: string;
  /** Its exposure node: the dashboard in the lineage graph, its models upstream. */
  exposure: string;
  filters: { name: string; label: string; column: string; kind: FilterKind }[];
  rows: { title: string; charts: DashboardChart[] }[];
}
