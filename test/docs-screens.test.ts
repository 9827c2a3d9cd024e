import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syntheticProject } from '../bench/synthetic.js';
import { walk } from '../framework/compile/select.js';
import { build, generateDocs, type Manifest } from '../framework/index.js';
import { drawn, hoverLayerBlank, labelReport, launchChromium, screenshot, settled, watchedPage } from './docs-page.js';
import { compileDir, copyProject, repoRoot } from './helpers.js';

const executable = inject('chromium');

/**
 * What a new user sees at 1400×900 (issues 17 and 22), on the example and on a generated project
 * of 3,005 nodes: each test asserts in the page what the issue says, and saves a screenshot under
 * test-results/screenshots/ for a person to look at.
 */
/** The example's nodes other than tests (tests are badges unless asked for); every one descends from its source. */
function exampleNodesBesideTests(): number {
  return Object.values(compileDir(join(repoRoot, 'project')).nodes).filter((n) => n.kind !== 'test').length;
}

describe.skipIf(!executable)('the documentation site at 1400×900 (real Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let example: string;
  let big: string;
  let bigManifest: Manifest;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = copyProject(join(repoRoot, 'project'));
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    example = pathToFileURL(join((await generateDocs(manifest)).dir, 'index.html')).href;
    // 1,000 models with two tests each and 5 sources: the project of issue 22.
    bigManifest = compileDir(syntheticProject(1000, { testsPerModel: 2, sources: 5 }));
    const generated = await generateDocs(bigManifest);
    expect(generated.nodes).toBe(3005);
    big = pathToFileURL(join(generated.dir, 'index.html')).href;
    browser = await launchChromium(executable!);
    page = await watchedPage(browser, errors);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a page of a site; a new hash on the same site is a hash change, not a reload. */
  async function open(site: string, hash: string): Promise<void> {
    await page.goto(hash === '#' ? site : `${site}${hash}`);
    await drawn(page, hash);
  }

  const sceneIds = () => page.evaluate(() => (window as any).platDocs.view.scene.nodes.map((n: { id: string }) => n.id) as string[]);
  const position = (id: string) =>
    page.evaluate((node) => (window as any).platDocs.graph.getNodeAttributes(node) as { x: number; y: number }, id);

  async function expectReadable(name: string): Promise<void> {
    const report = await labelReport(page);
    await screenshot(page, name);
    expect(report.visible).toBeGreaterThan(0);
    expect(report).toEqual({ visible: report.visible, unlabelled: [], underPanel: [], overlapping: [] });
  }

  it('opens the example overview from its source, every node shown labelled, none under the side panel or on another, the rest to the right, and names the colours in a legend', async () => {
    await open(example, '#');
    await expectReadable('example-overview');
    // Labels stay readable, so the camera shows as many columns as fit from the source on; the
    // rest lie further right, whole columns of them (reached by panning), never above or below.
    const report = await labelReport(page);
    const placement = await page.evaluate(() => {
      const { view } = (window as any).platDocs;
      const area = document.getElementById('sigma')!.getBoundingClientRect();
      const at = (id: string) => view.renderer.graphToViewport(view.graph.getNodeAttributes(id));
      const nodes: string[] = view.graph.nodes();
      const shown = nodes.filter((id) => at(id).x >= 0 && at(id).x <= area.width);
      const hidden = nodes.filter((id) => !shown.includes(id));
      return {
        total: nodes.length,
        sourceShown: shown.includes('source.ecommerce.ecommerce.events'),
        hiddenRightOfShown: hidden.every((id) => shown.every((s) => at(id).x > at(s).x)),
        allWithinHeight: nodes.every((id) => at(id).y >= 0 && at(id).y <= area.height),
      };
    });
    expect(placement).toEqual({ total: exampleNodesBesideTests(), sourceShown: true, hiddenRightOfShown: true, allWithinHeight: true });
    expect(report.unlabelled).toEqual([]);
    const legend = await page.locator('#legend li').allInnerTexts();
    expect(legend).toEqual([
      'source',
      'model',
      'ML training',
      'ML scoring',
      'agent tool',
      expect.stringMatching(/^5\s*tests on it, coloured by their worst last status$/),
    ]);
    expect(errors).toEqual([]);
  });

  it('opens a node page with its focused lineage: the node, its parents and children, left to right, all labelled', async () => {
    const id = 'model.ecommerce.revenue_per_hour';
    await open(example, `#node=${id}`);
    await expectReadable('example-node');
    const manifest = compileDir(join(repoRoot, 'project'));
    const expected = [...walk(manifest.parents, new Set([id]), 1), ...walk(manifest.children, new Set([id]), 1)].filter(
      (n) => manifest.nodes[n]!.kind !== 'test',
    );
    const shown = (await sceneIds()).filter((n) => !n.startsWith('up:') && !n.startsWith('down:'));
    expect(new Set(shown)).toEqual(new Set(expected));
    const at = await position(id);
    for (const parent of manifest.parents[id]!) expect((await position(parent)).x).toBeLessThan(at.x);
    for (const child of manifest.children[id]!.filter((n) => manifest.nodes[n]!.kind !== 'test'))
      expect((await position(child)).x).toBeGreaterThan(at.x);
    expect(await page.locator('#graph-toolbar code').innerText()).toBe('1+revenue_per_hour+1');
  });

  it("draws all of a source's lineage with no label on another or under the panel", async () => {
    await open(example, `#node=source.ecommerce.ecommerce.events`);
    await page.click('#graph-toolbar [data-depth="all"]');
    await expect.poll(async () => (await sceneIds()).length).toBe(exampleNodesBesideTests());
    await settled(page);
    await expectReadable('example-source-all');
    await page.click('#graph-toolbar [data-depth="1"]');
    await expect.poll(async () => (await sceneIds()).length).toBeLessThan(exampleNodesBesideTests());
  });

  it("draws a model's latest data with a y-axis for each measure", async () => {
    await open(example, '#node=model.ecommerce.revenue_per_hour');
    const charts = await page.locator('#chart svg.chart').evaluateAll((svgs) =>
      svgs.map((svg) => ({
        series: svg.querySelector('.series')!.textContent,
        ticks: [...svg.querySelectorAll('.y-axis .tick')].map((t) => t.textContent),
        axis: svg.querySelectorAll('.y-axis line.axis').length,
      })),
    );
    expect(charts.map((c) => c.series)).toEqual(['total_revenue', 'purchase_count', 'avg_order_value']);
    for (const chart of charts) {
      expect(chart.axis).toBe(1);
      expect(chart.ticks.length).toBeGreaterThanOrEqual(3);
      expect(chart.ticks[0]).toBe('0');
    }
    await page.locator('#chart').scrollIntoViewIfNeeded();
    await screenshot(page, 'example-chart');
  });

  it('keeps the columns table inside the panel', async () => {
    await open(example, '#node=model.ecommerce.revenue_per_hour');
    await page.locator('#columns').scrollIntoViewIfNeeded();
    const fit = await page.evaluate(() => {
      const panel = document.getElementById('panel')!;
      const table = document.getElementById('columns')!;
      const inner = panel.getBoundingClientRect().right - parseFloat(getComputedStyle(panel).paddingRight);
      return {
        tableRight: table.getBoundingClientRect().right,
        cellsRight: Math.max(...[...table.querySelectorAll('td, th')].map((c) => c.getBoundingClientRect().right)),
        inner,
        scrolls: panel.scrollWidth > panel.clientWidth,
      };
    });
    await screenshot(page, 'example-columns');
    expect(fit.tableRight).toBeLessThanOrEqual(fit.inner + 0.5);
    expect(fit.cellsRight).toBeLessThanOrEqual(fit.inner + 0.5);
    expect(fit.scrolls).toBe(false);
  });

  it('heads ML and tool pages with where they are defined, without an empty relation before the dot', async () => {
    await open(example, '#node=ml_train.ecommerce.purchase_propensity');
    expect(await page.locator('#where').innerText()).toBe('ml/purchase_propensity.yml');
    await screenshot(page, 'example-ml');
    await open(example, '#node=agent_tool.ecommerce.revenue_trend');
    expect(await page.locator('#where').innerText()).toMatch(/^agents\/[^·]+\.yml$/);
    await open(example, '#node=model.ecommerce.revenue_per_hour');
    expect(await page.locator('#where').innerText()).toBe('marts.revenue_per_hour · models/marts/revenue_per_hour.sql');
  });

  it('leaves no hover box in the graph once the pointer has left the node, nor after a click changed the graph', async () => {
    await open(example, '#node=model.ecommerce.revenue_per_hour');
    const area = (await page.locator('#sigma').boundingBox())!;
    const pointAt = async (id: string) => {
      const at = await page.evaluate(
        (node) => (window as any).platDocs.renderer.graphToViewport((window as any).platDocs.graph.getNodeAttributes(node)),
        id,
      );
      return { x: area.x + at.x, y: area.y + at.y };
    };
    const parent = 'model.ecommerce.int_hourly_event_counts';
    const over = await pointAt(parent);
    await page.mouse.move(over.x, over.y);
    await expect.poll(() => hoverLayerBlank(page)).toBe(false);
    await page.mouse.click(over.x, over.y);
    await drawn(page, `#node=${parent}`);
    await page.mouse.move(area.x + 5, area.y + area.height - 5);
    await expect.poll(() => hoverLayerBlank(page)).toBe(true);
    // An expander has no label to box: hovering it draws nothing on the hover layer.
    const expander = (await sceneIds()).find((n) => n.startsWith('up:') || n.startsWith('down:'));
    if (expander) {
      const at = await pointAt(expander);
      await page.mouse.move(at.x, at.y);
      await page.waitForTimeout(100);
      expect(await hoverLayerBlank(page)).toBe(true);
    }
    await screenshot(page, 'example-after-hover');
  });

  it('walks the lineage from the keyboard: / focuses search, arrows go upstream and downstream, Esc goes back', async () => {
    const id = 'model.ecommerce.revenue_per_hour';
    await open(example, `#node=${id}`);
    const manifest = compileDir(join(repoRoot, 'project'));
    await page.locator('#panel h1').click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).not.toBe('search');
    const routeId = () => page.evaluate(() => decodeURIComponent(location.hash).replace(/^#node=/, ''));
    await page.keyboard.press('ArrowLeft');
    await expect.poll(routeId).not.toBe(id);
    const parent = await routeId();
    expect(manifest.parents[id]).toContain(parent);
    await drawn(page, `#node=${parent}`);
    await page.keyboard.press('ArrowRight');
    await expect.poll(routeId).not.toBe(parent);
    expect(manifest.children[parent]).toContain(await routeId());
    await page.keyboard.press('Escape');
    await expect.poll(routeId).toBe(parent);
    await page.keyboard.press('Escape');
    await expect.poll(routeId).toBe(id);
  });

  it('shows the 3,005-node project as labelled clusters with counts, and opens a cluster zoomed into', async () => {
    await open(big, '#');
    await expectReadable('big-overview');
    const labels = await page.evaluate(
      () => (window as any).platDocs.graph.mapNodes((_: string, a: { label: string }) => a.label) as string[],
    );
    expect(labels).toEqual(
      expect.arrayContaining(['staging/group_0 · 100 models', 'intermediate/group_3 · 100 models', 'marts/group_9 · 100 models', 'raw.t0']),
    );
    const cluster = 'folder:/models/staging/group_0';
    const area = (await page.locator('#sigma').boundingBox())!;
    const at = await page.evaluate(
      (node) => (window as any).platDocs.renderer.graphToViewport((window as any).platDocs.graph.getNodeAttributes(node)),
      cluster,
    );
    await page.mouse.move(area.x + at.x, area.y + at.y);
    for (let turn = 0; turn < 12 && (await sceneIds()).includes(cluster); turn++) {
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(400);
    }
    await expect.poll(sceneIds).not.toContain(cluster);
    const ids = await sceneIds();
    expect(ids).toEqual(expect.arrayContaining([`${cluster}#0`, `${cluster}#3`]));
    await settled(page);
    await expectReadable('big-cluster-opened');
    await page.click(`#graph-toolbar [data-collapse="${cluster}"]`);
    await expect.poll(sceneIds).toContain(cluster);
    await settled(page);
  });

  it("draws a node's focused lineage on the 3,005-node project, and an expander adds a step beside it without moving what is drawn", async () => {
    const id = 'model.bench.int_400';
    await open(big, `#node=${id}`);
    await expectReadable('big-node');
    const before = await page.evaluate(() => {
      const { graph } = (window as any).platDocs;
      return Object.fromEntries(graph.mapNodes((node: string, a: { x: number; y: number }) => [node, { x: a.x, y: a.y }]));
    });
    const expander = Object.keys(before).find((n) => n.startsWith('up:'))!;
    expect(expander).toBeDefined();
    const of = expander.slice(3);
    const area = (await page.locator('#sigma').boundingBox())!;
    const at = await page.evaluate(
      (node) => (window as any).platDocs.renderer.graphToViewport((window as any).platDocs.graph.getNodeAttributes(node)),
      expander,
    );
    await page.mouse.click(area.x + at.x, area.y + at.y);
    await expect.poll(sceneIds).not.toContain(expander);
    await settled(page);
    const added = bigManifest.parents[of]!;
    const ids = await sceneIds();
    for (const parent of added) expect(ids).toContain(parent);
    for (const [node, was] of Object.entries(before)) {
      // Expanders whose nodes are all shown now are gone; every node stays at its height.
      if (node.startsWith('up:') || node.startsWith('down:')) continue;
      expect((await position(node)).y).toBe(was.y);
    }
    for (const parent of added) expect((await position(parent)).x).toBeLessThan((await position(of)).x);
    // Every expander left still has something to add.
    const stale = await page.evaluate(() => {
      const { scene } = (window as any).platDocs.view;
      const shown = new Set(scene.nodes.map((n: { id: string }) => n.id));
      return scene.nodes.filter((n: any) => n.expands?.nodes.every((id: string) => shown.has(id))).map((n: any) => n.id);
    });
    expect(stale).toEqual([]);
    expect(await page.evaluate(() => document.body.dataset.drawn)).toBe(`#node=${id}`);
    await screenshot(page, 'big-node-extended');
    const report = await labelReport(page);
    expect(report.overlapping).toEqual([]);
  });

  it('groups and lays out only what a selector filter selects', async () => {
    await open(big, '#');
    await page.fill('#filter', '2+mar_999');
    await page.press('#filter', 'Enter');
    const selected = [...walk(bigManifest.parents, new Set(['model.bench.mar_999']), 2)];
    await expect.poll(() => page.locator('#filter-status').innerText()).toBe(`${selected.length} of 3005 nodes`);
    await drawn(page, '#');
    expect(new Set(await sceneIds())).toEqual(new Set(selected));
    await expectReadable('big-filtered');
    await page.fill('#filter', '');
    await page.press('#filter', 'Enter');
  });

  it('groups the overview by schema and by tag', async () => {
    await open(big, '#');
    await page.selectOption('#group-by', 'schema');
    await expect.poll(async () => (await sceneIds()).some((n) => n.startsWith('schema:'))).toBe(true);
    await settled(page);
    const labels = await page.evaluate(
      () => (window as any).platDocs.graph.mapNodes((_: string, a: { label: string }) => a.label) as string[],
    );
    expect(labels).toEqual(
      expect.arrayContaining(['staging', 'intermediate', 'marts'].map((schema) => expect.stringMatching(new RegExp(`^${schema}[: ]`)))),
    );
    await expectReadable('big-by-schema');
    await page.selectOption('#group-by', 'tag');
    await expect.poll(async () => (await sceneIds()).some((n) => n.startsWith('tag:'))).toBe(true);
    await settled(page);
    await expectReadable('big-by-tag');
    expect(errors).toEqual([]);
  });
});
