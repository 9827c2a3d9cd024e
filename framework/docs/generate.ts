import { runsData, writeRunsData } from './runs.js';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { Registry } from '../ml/registry.js';
import { warehouseOf } from '../run/run.js';
import { relationOf } from '../compile/kinds.js';
import type { Connection } from '../warehouse/connection.js';
import { openWarehouse } from '../warehouse/registry.js';
import { relationKey } from '../warehouse/types.js';
import { docsData } from './data.js';
import { projectLineage } from './project-lineage.js';
import { writeDashboardsData, writeSiteData } from './site-files.js';
import { type DashboardData, dashboardsData } from './dashboards.js';

/** Where the bundled site (docs-site/, built by `npm run build`) is. */
function siteAssets(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const assets = join(dir, 'dist', 'docs-site');
  if (!existsSync(join(assets, 'app.js')))
    throw new PlatError('DATABASE_OPEN', `the docs site is not built (${assets} is missing)`, 'run `npm run build`');
  return assets;
}

/**
 * Writes target/docs/: the site, plus its data (site-files.ts) from the manifest, the database's
 * catalog, the last run's results, ML metrics and column lineage. Opens the database read-only,
 * if built.
 */
export async function generateDocs(
  manifest: Manifest,
  options: { now?: Date; outDir?: string } = {},
): Promise<{ dir: string; nodes: number; seconds: number; dashboards: Record<string, DashboardData> }> {
  const started = performance.now();
  const out = options.outDir ?? join(manifest.project.root, 'target', 'docs');
  const warehouse = warehouseOf(manifest).exists
    ? await openWarehouse(manifest.target, { root: manifest.project.root, mode: 'read-only' })
    : null;
  const session: Connection | null = warehouse ? await warehouse.session() : null;
  try {
    const catalog = session ? await session.catalog() : new Map<string, { name: string; type: string }[]>();
    // Asked for every node, and again for every relation a model reads: computed once each.
    const known = new Map<string, { name: string; type: string }[]>();
    const columnsOf = (id: string) => {
      let columns = known.get(id);
      if (columns) return columns;
      const node = manifest.nodes[id];
      const relation = node ? relationOf(node) : null;
      const built = relation ? catalog.get(relationKey(relation)) : undefined;
      columns = built ?? (node && 'columns' in node ? node.columns.map((c) => ({ name: c.name, type: c.type ?? '' })) : []);
      known.set(id, columns);
      return columns;
    };
    const names = new Map<string, string[]>();
    const lineage = await projectLineage(
      manifest,
      (id) =>
        names.get(id) ??
        names
          .set(
            id,
            columnsOf(id).map((c) => c.name),
          )
          .get(id)!,
    );
    const data = await docsData({
      manifest,
      session,
      registry: Registry.forProject(manifest.project.root),
      lineage,
      columnsOf,
      now: options.now ?? new Date(),
    });
    mkdirSync(out, { recursive: true });
    cpSync(siteAssets(), out, { recursive: true });
    writeRunsData(out, await runsData(session));
    const dashboards = await dashboardsData(manifest, session, options.now ?? new Date());
    writeDashboardsData(out, dashboards);
    writeSiteData(out, data);
    return { dir: out, nodes: data.nodes.length, seconds: (performance.now() - started) / 1000, dashboards };
  } finally {
    session?.close();
    warehouse?.close();
  }
}
