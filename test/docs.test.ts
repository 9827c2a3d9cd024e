import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { build, generateDocs, serveDocs, test } from '../framework/index.js';
import type { DetailsChunk, NodeDetails, SiteIndex } from '../framework/docs/types.js';
import { compileDir, copyProject, repoRoot } from './helpers.js';
import { launchChromium, watchedPage } from './docs-page.js';

const executable = inject('chromium');

/** What the generated site shows, read as the browser does: data.js (the index) and details/<n>.js. */
function siteData(dir: string) {
  const docs = join(dir, 'target/docs');
  const details: Record<string, NodeDetails> = {};
  const window: Record<string, unknown> = { __PLAT_DOCS_DETAILS__: (chunk: DetailsChunk) => Object.assign(details, chunk.nodes) };
  runInNewContext(readFileSync(join(docs, 'data.js'), 'utf8'), { window, JSON });
  const index = window.__PLAT_DOCS__ as SiteIndex;
  for (let n = 0; n < index.chunks; n++) runInNewContext(readFileSync(join(docs, `details/${n}.js`), 'utf8'), { window });
  const node = (id: string) => ({ lastRun: index.nodes.lastRun[index.nodes.id.indexOf(id)], columns: details[id]!.columns });
  return { lastRun: index.lastRun, node };
}

describe('the documentation data', () => {
  it("keeps each node's last run across commands: a later plat test does not blank the models", async () => {
    const dir = copyProject(join(repoRoot, 'project'));
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    await test(manifest, { select: ['stg_events'], env: {} });
    await generateDocs(manifest);
    const data = siteData(dir);
    const { node } = data;
    expect(node('model.ecommerce.revenue_per_hour').lastRun).toMatchObject({ status: 'success', rows: 48 });
    expect(node('source.ecommerce.ecommerce.events').lastRun).toMatchObject({ status: 'success', rows: 100000 });
    expect(node('test.ecommerce.unique_stg_events_event_id').lastRun).toMatchObject({ status: 'pass' });
    const revenueTests = node('model.ecommerce.revenue_per_hour').columns.find((c) => c.name === 'hour_window')!.tests;
    expect(revenueTests.map((t) => t.status)).toEqual(['pass', 'pass']);
    expect(data.lastRun).toMatchObject({ command: 'test' });
  });
});

/** Waits until the site says its graph is drawn for the page at `hash`. */
function drawn(page: Page, hash: string): Promise<unknown> {
  return page.waitForFunction((expected) => document.body.dataset.drawn === expected, hash);
}

describe.skipIf(!executable)('the documentation site (real Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  let site: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = copyProject(join(repoRoot, 'project'));
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    const generated = await generateDocs(manifest);
    site = pathToFileURL(join(generated.dir, 'index.html')).href;
    browser = await launchChromium(executable!);
    page = await watchedPage(browser, errors, { width: 1400, height: 850 });
    await page.goto(site);
    await drawn(page, '#');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads from file:// with no console errors and shows the overview', async () => {
    expect(await page.locator('#panel h1').innerText()).toBe('ecommerce');
    expect(await page.locator('#panel').innerText()).toContain('Last run');
    expect(errors).toEqual([]);
  });

  it('draws every node of the example in the lineage graph, left to right by layer, tests as badges unless asked for', async () => {
    const graphOf = () =>
      page.evaluate(() => {
        const { graph } = (window as any).platDocs;
        const x = (id: string) => graph.getNodeAttribute(id, 'x');
        return {
          order: graph.order,
          names: graph.mapNodes((_: string, a: { label: string }) => a.label),
          leftToRight:
            x('source.ecommerce.ecommerce.events') < x('model.ecommerce.stg_events') &&
            x('model.ecommerce.stg_events') < x('model.ecommerce.revenue_per_hour'),
        };
      });
    const graph = await graphOf();
    // Tests are badges on the nodes they check.
    const nodes = Object.values(compileDir(join(repoRoot, 'project')).nodes);
    const checked = nodes.filter((n) => n.kind !== 'test').length;
    expect(graph.order).toBe(checked);
    expect(graph.names).toEqual(
      expect.arrayContaining([
        'ecommerce.events',
        'stg_events',
        'revenue_per_hour',
        'user_features',
        'purchase_propensity',
        'predictions_purchase_propensity',
        'total_revenue',
      ]),
    );
    expect(graph.leftToRight).toBe(true);
    expect(await page.evaluate(() => (window as any).platDocs.graph.getNodeAttribute('model.ecommerce.revenue_per_hour', 'badge'))).toEqual(
      { count: 6, status: 'pass' },
    );
    await page.check('#show-tests');
    await expect.poll(async () => (await graphOf()).order).toBe(nodes.length);
    await page.uncheck('#show-tests');
    await expect.poll(async () => (await graphOf()).order).toBe(checked);
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-results/lineage.png') });
  });

  it('opens a node page with its columns when the node is clicked', async () => {
    const point = await page.evaluate(() => {
      const { renderer, graph } = (window as any).platDocs;
      const at = renderer.graphToViewport(graph.getNodeAttributes('model.ecommerce.revenue_per_hour'));
      const box = document.getElementById('sigma')!.getBoundingClientRect();
      return { x: box.left + at.x, y: box.top + at.y };
    });
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'revenue_per_hour');
    const columns = await page.locator('#columns').innerText();
    for (const column of ['hour_window', 'total_revenue', 'purchase_count', 'avg_order_value']) expect(columns).toContain(column);
    expect(await page.locator('#columns a[title="unique_revenue_per_hour_hour_window"]').innerText()).toBe('unique');
  });

  it('finds nodes by name and filters the graph with the selector syntax', async () => {
    await page.fill('#search', 'user_feat');
    await page.press('#search', 'Enter');
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'user_features');
    await page.fill('#filter', '+revenue_per_hour');
    await page.press('#filter', 'Enter');
    const total = Object.keys(compileDir(join(repoRoot, 'project')).nodes).length;
    // The source, int_events_classified, stg_events, int_hourly_shoppers, int_hourly_event_counts and the mart.
    await expect.poll(() => page.locator('#filter-status').innerText()).toBe(`6 of ${total} nodes`);
    expect(await page.evaluate(() => (window as any).platDocs.hidden().size)).toBe(total - 6);
    await page.fill('#filter', 'tag:marts,resource_type:model');
    await page.press('#filter', 'Enter');
    await expect.poll(() => page.locator('#filter-status').innerText()).toBe(`4 of ${total} nodes`);
    await page.fill('#filter', '');
    await page.press('#filter', 'Enter');
  });

  it('traces revenue_per_hour.total_revenue back to the source price', async () => {
    await page.goto(`${site}#node=${encodeURIComponent('model.ecommerce.revenue_per_hour')}`);
    await page.click('button.column-link[data-column="total_revenue"]');
    const sources = await page.locator('#column-sources').innerText();
    expect(sources).toContain('stg_events.price');
    expect(sources).toContain('ecommerce.events.price');
    // Column lineage is drawn in the lineage graph, one node per column.
    const labels = await page.evaluate(() => (window as any).platDocs.graph.mapNodes((_: string, a: { label: string }) => a.label));
    expect(labels).toEqual(expect.arrayContaining(['revenue_per_hour.total_revenue', 'stg_events.price', 'ecommerce.events.price']));
  });

  it('shows ML metrics, the confusion matrix and the ROC curve', async () => {
    await page.goto(`${site}#node=${encodeURIComponent('ml_train.ecommerce.purchase_propensity')}`);
    expect(await page.locator('#metrics').innerText()).toMatch(/roc_auc\s+0\.\d{4}/);
    expect(await page.locator('svg[aria-label="ROC curve"] polyline').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('shows an agent tool with its agent, what it reads, its parameters and SQL', async () => {
    await page.goto(`${site}#node=${encodeURIComponent('agent_tool.ecommerce.revenue_trend')}`);
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'revenue_trend');
    const panel = await page.locator('#panel').innerText();
    expect(panel).toContain('parameterized query · used by analyst · reads marts.revenue_per_hour, marts.active_users_per_hour');
    expect(panel).toContain('"maximum": 168');
    expect(panel).toContain('limit $hours');
    expect(errors).toEqual([]);
  });

  it('reloads a served page when the site is generated again', async () => {
    const server = await serveDocs(join(dir, 'target/docs'), 0);
    let served: Page | null = null;
    try {
      served = await browser.newPage();
      await served.goto(server.url);
      // Wait for the page's event stream to be open, or the reload could be sent before it listens.
      await served.waitForFunction(() => (window as any).platDocs?.events?.readyState === 1);
      await served.evaluate(() => ((window as any).beforeReload = true));
      const reloaded = served.waitForEvent('load', { timeout: 20_000 });
      await generateDocs(compileDir(dir));
      await reloaded;
      expect(await served.evaluate(() => (window as any).beforeReload)).toBeUndefined();
    } finally {
      await served?.close();
      await server.close();
    }
  });
});
