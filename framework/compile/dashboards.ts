import { diagnostic, type Diagnostic, type Severity } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { stableStringify } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import type { ChartSpec, DashboardSpec, MeasureSpec } from '../project/dashboard_spec.js';
import type { ProjectSpec } from '../project/spec.js';
import type { Dialect } from '../warehouse/dialect.js';
import type { NodeCompileContext } from './context.js';
import { linkDependencies } from './deps.js';
import { relationOf } from './kinds.js';
import type { ExposureNode, ManifestNode } from './manifest.js';
import { renderModel } from './render.js';
import type { Dashboard, DashboardChart, DashboardMeasure } from './dashboard_types.js';

export type { Dashboard, DashboardChart, DashboardMeasure };

type Context = Pick<NodeCompileContext, 'models' | 'sources' | 'unresolved' | 'refables' | 'linker' | 'environment' | 'dialect'> & {
  project: string;
  /** Nodes that build a relation a chart may ref, by name (models, seeds, snapshots, scoring tables). */
  relations: ReadonlyMap<string, ManifestNode>;
  /** Names of exposures declared in properties files: a dashboard may not take one. */
  exposureNames: ReadonlySet<string>;
};

/**
 * dashboards/*.yml → each dashboard, and an exposure node (type dashboard) that depends on what
 * its charts read, so the lineage graph shows it downstream of its models. Columns are checked
 * where the compiler knows them: the declared columns of the ref'd model.
 */
export function compileDashboards(
  spec: ProjectSpec,
  context: Context,
  diagnostics: Diagnostic[],
): { dashboards: Record<string, Dashboard>; exposures: ExposureNode[] } {
  const dashboards: Record<string, Dashboard> = {};
  const exposures: ExposureNode[] = [];
  for (const declared of spec.dashboards) {
    const { file } = declared.origin;
    const at = (path: (string | number)[], key?: string) => ({ file, ...spec.locator.locate(file, path, key) });
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(declared.name)) {
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `dashboard file name "${declared.name}" is not a valid name` },
          { file },
          'rename the file: letters, digits and _',
        ),
      );
      continue;
    }
    if (context.exposureNames.has(declared.name)) {
      diagnostics.push(diagnostic('DUPLICATE_NAME', { what: `dashboard "${declared.name}"`, other: 'an exposure of that name' }, { file }));
      continue;
    }
    const filters = (declared.filters ?? []).map((f) => ({ name: f.name, label: f.label ?? f.name, column: f.column, kind: f.kind }));
    filters.forEach((filter, i) => {
      if (filters.findIndex((f) => f.name === filter.name) < i)
        diagnostics.push(
          diagnostic('DUPLICATE_NAME', { what: `filter "${filter.name}"`, other: 'this dashboard' }, at(['filters', i, 'name'])),
        );
    });
    const reads = new Set<string>();
    const rows = declared.rows.map((row, r) => ({
      title: row.title ?? '',
      charts: row.charts.flatMap((chart, c) => {
        const compiled = compileChart(chart, ['rows', r, 'charts', c], declared, context, at, diagnostics);
        for (const id of compiled?.reads ?? []) reads.add(id);
        return compiled ? [{ ...compiled, id: `r${r}c${c}`, width: chart.width ?? Math.max(1, Math.floor(4 / row.charts.length)) }] : [];
      }),
    }));
    const uniqueId = `exposure.${context.project}.${declared.name}`;
    const { origin: _, ...body } = declared;
    exposures.push({
      kind: 'exposure',
      uniqueId,
      name: declared.name,
      path: file,
      description: declared.description ?? declared.title,
      tags: declared.tags ?? [],
      dependsOn: [...reads],
      fqn: [context.project, 'dashboards', declared.name],
      checksums: { body: sha256(stableStringify(body.rows)), config: sha256(stableStringify(body)) },
      exposureType: 'dashboard',
      url: null,
      owner: { name: declared.owner?.name ?? null, email: declared.owner?.email ?? null },
    });
    dashboards[declared.name] = {
      name: declared.name,
      title: declared.title,
      description: declared.description ?? '',
      path: file,
      exposure: uniqueId,
      filters,
      rows,
    };
  }
  return { dashboards, exposures };
}

type Locate = (path: (string | number)[], key?: string) => { file: string; line?: number; column?: number };

function compileChart(
  chart: ChartSpec,
  path: (string | number)[],
  dashboard: DashboardSpec,
  context: Context,
  at: Locate,
  diagnostics: Diagnostic[],
): Omit<DashboardChart, 'id' | 'width'> | null {
  const report = (key: string, detail: string) =>
    diagnostics.push(diagnostic('BAD_CONFIG', { detail: `chart "${chart.title}": ${detail}` }, at([...path, key])));
  if ((chart.ref === undefined) === (chart.sql === undefined)) {
    report('title', 'a chart reads exactly one of ref: or sql:');
    return null;
  }
  const source =
    chart.ref !== undefined
      ? fromRef(chart.ref, [...path, 'ref'], context, at, diagnostics)
      : fromSql(chart.sql!, [...path, 'sql'], context, at, diagnostics);
  if (!source) return null;

  const measures = measuresOf(chart);
  const needs: [keyof ChartSpec, boolean][] = [
    ['x', ['line', 'bar', 'stacked_bar', 'stacked_area', 'heatmap'].includes(chart.kind)],
    ['y', ['line', 'bar', 'stacked_bar', 'stacked_area', 'heatmap'].includes(chart.kind)],
    ['value', chart.kind === 'kpi' || chart.kind === 'heatmap'],
    ['columns', chart.kind === 'table'],
  ];
  let complete = true;
  for (const [key, needed] of needs) {
    if (needed && chart[key] === undefined) {
      report('kind', `a ${chart.kind} chart needs ${key}:`);
      complete = false;
    }
  }
  if (chart.kind === 'heatmap' && chart.y !== undefined && typeof chart.y !== 'string') {
    report('y', "a heatmap's y: is its second category column, a column name");
    complete = false;
  }
  if (chart.series !== undefined && measures.length > 1) {
    report('series', 'a chart with series: draws one measure, split by the column; it has several y:');
    complete = false;
  }
  if (!complete) return null;

  // Columns are known when the ref'd model declares them; a model without declared columns is checked when the site is generated.
  if (source.columns.length > 0) {
    const severity: Severity = source.enforced ? 'error' : 'warn';
    const check = (column: string | undefined, key: (string | number)[]) => {
      if (column === undefined || source.columns.includes(column)) return;
      const hint = didYouMean(column, source.columns) ?? `its columns: ${source.columns.join(', ')}`;
      diagnostics.push(diagnostic('UNKNOWN_COLUMN', { name: column, of: `"${chart.ref}"` }, at([...path, ...key]), hint, severity));
    };
    check(chart.x, ['x']);
    check(chart.series, ['series']);
    check(chart.order_by, ['order_by']);
    if (chart.kind === 'heatmap') check(chart.y as string, ['y']);
    else if (chart.y !== undefined) {
      const list = Array.isArray(chart.y) ? chart.y : [chart.y];
      for (const [i, m] of list.entries()) check(typeof m === 'string' ? m : m.column, Array.isArray(chart.y) ? ['y', i] : ['y']);
    }
    if (chart.value !== undefined) check(typeof chart.value === 'string' ? chart.value : chart.value.column, ['value']);
    for (const [i, column] of (chart.columns ?? []).entries()) check(column, ['columns', i]);
    for (const [name, column] of Object.entries(chart.filters ?? {})) if (column !== false) check(column, ['filters', name]);
  }
  const filterNames = (dashboard.filters ?? []).map((f) => f.name);
  for (const name of Object.keys(chart.filters ?? {})) {
    if (!filterNames.includes(name)) {
      const detail = `chart "${chart.title}": filters: names "${name}", which is not a filter of this dashboard`;
      diagnostics.push(diagnostic('BAD_CONFIG', { detail }, at([...path, 'filters'], name), didYouMean(name, filterNames)));
    }
  }
  return {
    title: chart.title,
    kind: chart.kind,
    from: source.from,
    reads: source.reads,
    x: chart.x ?? null,
    series: chart.kind === 'heatmap' ? (chart.y as string) : (chart.series ?? null),
    measures,
    columns: chart.columns ?? [],
    orderBy: chart.order_by ?? null,
    order: chart.order ?? 'desc',
    limit: chart.limit ?? null,
    format: chart.format ?? 'number',
    unit: chart.unit ?? '',
    thresholds: chart.thresholds
      ? {
          warning: chart.thresholds.warning ?? null,
          critical: chart.thresholds.critical ?? null,
          direction: chart.thresholds.direction ?? 'above',
        }
      : null,
    filterColumns: chart.filters ?? {},
  };
}

function measuresOf(chart: ChartSpec): DashboardMeasure[] {
  const agg = chart.agg ?? 'sum';
  const measure = (m: string | MeasureSpec): DashboardMeasure =>
    typeof m === 'string' ? { column: m, agg, label: m } : { column: m.column, agg: m.agg ?? agg, label: m.label ?? m.column };
  if (chart.kind === 'kpi' || chart.kind === 'heatmap') return chart.value === undefined ? [] : [measure(chart.value)];
  if (chart.kind === 'table' || chart.y === undefined) return [];
  return (Array.isArray(chart.y) ? chart.y : [chart.y]).map(measure);
}

interface ChartSource {
  from: string;
  reads: string[];
  /** Declared columns, if the compiler knows them. */
  columns: string[];
  enforced: boolean;
}

function fromRef(name: string, path: (string | number)[], context: Context, at: Locate, diagnostics: Diagnostic[]): ChartSource | null {
  const node = context.relations.get(name);
  const relation = node ? relationOf(node) : null;
  if (!node || !relation) {
    if (!context.unresolved.faultyRef(name)) {
      const hint = context.unresolved.disabled.has(name)
        ? `model "${name}" is disabled (enabled: false)`
        : node
          ? `"${name}" is ephemeral: it builds no relation a dashboard can read`
          : didYouMean(name, context.relations.keys());
      diagnostics.push(diagnostic('UNKNOWN_REF', { name }, at(path), hint));
    }
    return null;
  }
  return {
    from: selectAll(context.dialect, relation),
    reads: [node.uniqueId],
    columns: 'columns' in node ? node.columns.map((c) => c.name) : [],
    enforced: node.kind === 'model' && node.contractEnforced,
  };
}

function fromSql(sql: string, path: (string | number)[], context: Context, at: Locate, diagnostics: Diagnostic[]): ChartSource | null {
  const place = at(path);
  const found: Diagnostic[] = [];
  const rendered = renderModel({ path: place.file, sql }, context.environment, false, found, () => ({}));
  const reads = rendered ? linkDependencies(place.file, rendered, context, found) : [];
  // Positions within a YAML string are not the file's: the diagnostic points at sql: itself.
  for (const d of found) diagnostics.push({ ...d, file: place.file, line: place.line ?? null, column: place.column ?? null });
  if (!rendered || found.some((d) => d.severity === 'error')) return null;
  return { from: context.linker.link(rendered, null).sql, reads, columns: [], enforced: false };
}

function selectAll(dialect: Dialect, relation: { schema: string; name: string }): string {
  return `select * from ${dialect.relation(relation)}`;
}

/** What a chart's ref: may name: models, and the other nodes refs reach (seeds, snapshots, scoring tables) by their ref name. */
export function readableRelations(
  models: readonly ManifestNode[],
  refables: ReadonlyMap<string, string>,
  others: readonly ManifestNode[],
): Map<string, ManifestNode> {
  const byId = new Map(others.map((n) => [n.uniqueId, n]));
  const relations = new Map(models.map((m) => [m.name, m]));
  for (const [name, id] of refables) {
    const node = byId.get(id);
    if (node) relations.set(name, node);
  }
  return relations;
}
