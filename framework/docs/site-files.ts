import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DashboardData } from './dashboard-types.js';
import type { DetailsChunk, DocsData, IndexNode, NodeDetails, SiteIndex } from './types.js';

/** Nodes per details file: one file is a few milliseconds to load (about 100 KB on generated projects). */
const CHUNK = 150;

/**
 * Writes the site's data: details/<n>.js first, data.js last, since the docs server reloads open
 * pages when data.js changes and they must find the new details files there. Scripts, not JSON:
 * browsers refuse fetch() from file://, and the site must work there.
 */
export function writeSiteData(out: string, data: DocsData): void {
  const { index, chunks } = splitSiteData(data);
  const details = join(out, 'details');
  rmSync(details, { recursive: true, force: true });
  mkdirSync(details, { recursive: true });
  chunks.forEach((text, n) => {
    writeFileSync(join(details, `${n}.js`), text);
  });
  // JSON.parse of a string literal parses several times faster than the same object literal.
  writeFileSync(
    join(out, 'data.js'),
    `window.__PLAT_DOCS__ = JSON.parse(${JSON.stringify(JSON.stringify(index)).replace(/</g, '\\u003c')});\n`,
  );
}

/**
 * dashboards.js: the list of dashboards; dashboards/<name>.js: one dashboard's data at generation,
 * loaded when its page opens (pages opened without the server, from file://, read these).
 */
export function writeDashboardsData(out: string, dashboards: Record<string, DashboardData>): void {
  const folder = join(out, 'dashboards');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const data of Object.values(dashboards))
    writeFileSync(join(folder, `${data.name}.js`), `window.__PLAT_DASHBOARD_DATA__(${scriptJson(data)});\n`);
  const list = Object.values(dashboards).map((d) => ({
    name: d.name,
    title: d.title,
    description: d.description,
    charts: d.rows.reduce((n, row) => n + row.charts.length, 0),
  }));
  writeFileSync(join(out, 'dashboards.js'), `window.__PLAT_DASHBOARDS__ = ${scriptJson(list)};\n`);
}

/** JSON inside a script: `<` escaped so that no string in the data can end the script element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The index (data.js) and the text of each details file. */
export function splitSiteData(data: DocsData): { index: SiteIndex; chunks: string[] } {
  const position = new Map(data.nodes.map((node, i) => [node.id, i]));
  const chunks: string[] = [];
  for (let start = 0; start < data.nodes.length || chunks.length === 0; start += CHUNK) {
    const nodes: Record<string, NodeDetails> = {};
    for (const node of data.nodes.slice(start, start + CHUNK)) {
      nodes[node.id] = {
        description: node.description,
        columns: node.columns,
        rawSql: node.rawSql,
        compiledSql: node.compiledSql,
        rows: node.rows,
        details: node.details,
        lineage: data.lineage[node.id] ?? [],
      };
    }
    const chunk: DetailsChunk = { generatedAt: data.project.generatedAt, chunk: chunks.length, nodes };
    // One stringify per file: a plain object literal, small enough to parse fast as it is.
    chunks.push(`window.__PLAT_DOCS_DETAILS__(${JSON.stringify(chunk)});\n`);
  }
  const nodes: IndexNode[] = data.nodes.map((node, i) => {
    const attachedTo = node.kind === 'test' ? (node.details.attachedTo as string | null) : null;
    const checked = node.kind !== 'test' ? [] : attachedTo ? [attachedTo] : (data.parents[node.id] ?? []);
    return {
      id: node.id,
      kind: node.kind,
      name: node.name,
      path: node.path,
      tags: node.tags,
      fqn: node.fqn,
      relation: node.relation,
      materialized: node.materialized,
      lastRun: node.lastRun,
      select: node.select,
      checks: checked.map((id) => position.get(id)).filter((p): p is number => p !== undefined),
      chunk: Math.floor(i / CHUNK),
    };
  });
  const parents = data.nodes.map((node) =>
    (data.parents[node.id] ?? []).map((id) => position.get(id)).filter((i): i is number => i !== undefined),
  );
  return {
    index: { version: 2, project: data.project, lastRun: data.lastRun, nodes: columns(nodes), parents, chunks: chunks.length },
    chunks,
  };
}

function columns(rows: IndexNode[]): SiteIndex['nodes'] {
  const out: Record<string, unknown[]> = {};
  for (const key of Object.keys(rows[0] ?? {})) out[key] = rows.map((row) => row[key as keyof IndexNode]);
  return out as SiteIndex['nodes'];
}
