import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DashboardChart } from '../framework/compile/dashboard_types.js';
import { build, generateDocs, type Manifest } from '../framework/index.js';
import { launchChromium, screenshot, watchedPage } from './docs-page.js';
import { compileDir, copyProject, queryDb, repoRoot } from './helpers.js';

const executable = inject('chromium');

/** What the page drew: per ECharts instance its series' lengths, per KPI tile its value, per table its rows. */
interface Drawn {
  series: Record<string, number[]>;
  kpis: Record<string, number | null>;
  tables: Record<string, number>;
}

/**
 * The factory's four dashboards (issue 17), built once in a temporary folder and opened in Chromium
 * at 1400×900 from file://: every chart is drawn with the data SQL says it holds, filters change
 * it, and a screenshot of each is kept in test-results/screenshots/.
 */
describe.skipIf(!executable)("the factory's dashboards in the docs site (real Chromium)", () => {
  let dir: string;
  let manifest: Manifest;
  let site: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = copyProject(join(repoRoot, 'examples/factory'));
    manifest = compileDir(dir);
    const built = await build(manifest, { env: {} });
    // Each dashboard is an exposure: the build checks that what it reads was built.
    const exposures = built.results.filter((r) => r.uniqueId.startsWith('exposure.')).map((r) => [r.name, r.status]);
    expect(exposures.sort()).toEqual(Object.keys(manifest.dashboards).map((name) => [name, 'success']));
    site = pathToFileURL(join((await generateDocs(manifest)).dir, 'index.html')).href;
    browser = await launchChromium(executable!);
    page = await watchedPage(browser, errors);
  }, 1_200_000);

  afterAll(async () => {
    await browser?.close();
  });

  const sql = async (query: string) => (await queryDb(dir, query))[0]!;
  const charts = (name: string) => manifest.dashboards[name]!.rows.flatMap((r) => r.charts);

  function drawnCharts(): Promise<Drawn> {
    return page.evaluate(() => {
      const view = (window as any).platDocs.dashboard;
      const series: Record<string, number[]> = {};
      for (const [id, chart] of view.charts) series[id] = chart.getOption().series.map((s: { data: unknown[] }) => s.data.length);
      const kpis: Record<string, number | null> = {};
      const tables: Record<string, number> = {};
      for (const card of document.querySelectorAll<HTMLElement>('.dash-card')) {
        if (card.dataset.kind === 'kpi') {
          const value = card.querySelector<HTMLElement>('.kpi-value')!.dataset.value!;
          kpis[card.dataset.chart!] = value === 'null' ? null : Number(value);
        }
        if (card.dataset.kind === 'table') tables[card.dataset.chart!] = Number(card.dataset.rows);
      }
      return { series, kpis, tables };
    });
  }

  /** What each chart should hold, from SQL over the chart's own query, optionally restricted by `where`. */
  async function expected(chart: DashboardChart, where = 'true'): Promise<{ series?: number[]; kpi?: number | null; table?: number }> {
    const from = `(select * from (${chart.from}) as c where ${where}) as c`;
    if (chart.kind === 'kpi') {
      const m = chart.measures[0]!;
      const value = m.agg === 'count' ? `count("${m.column}")` : `${m.agg}(cast("${m.column}" as double))`;
      const { v } = await sql(`select ${value} as v from ${from}`);
      return { kpi: v === null ? null : Number(v) };
    }
    if (chart.kind === 'table') {
      const { n } = await sql(`select count(*) as n from ${from}`);
      return { table: Math.min(Number(n), chart.limit ?? 50) };
    }
    if (chart.kind === 'heatmap') {
      const { n } = await sql(`select count(*) as n from (select distinct "${chart.x}", "${chart.series}" from ${from})`);
      return { series: [Number(n)] };
    }
    const { xs } = await sql(`select count(distinct "${chart.x}") as xs from ${from}`);
    const points = chart.kind === 'bar' && chart.limit !== null ? Math.min(chart.limit, Number(xs)) : Number(xs);
    if (chart.series) {
      const { n } = await sql(`select count(distinct "${chart.series}") as n from ${from}`);
      return { series: Array(Number(n)).fill(points) };
    }
    return { series: chart.measures.map(() => points) };
  }

  async function expectDrawnAsSql(name: string, where?: string): Promise<void> {
    const drawn = await drawnCharts();
    for (const chart of charts(name)) {
      const want = await expected(chart, where);
      const got = { series: drawn.series[chart.id], kpi: drawn.kpis[chart.id], table: drawn.tables[chart.id] };
      const key = want.series ? 'series' : want.kpi !== undefined ? 'kpi' : 'table';
      if (key === 'kpi' && want.kpi !== null && got.kpi !== null) expect(got.kpi, `${name} ${chart.title}`).toBeCloseTo(want.kpi!, 6);
      else expect(got[key], `${name} ${chart.title}`).toEqual(want[key]);
    }
  }

  /** Opens a dashboard from file:// and returns the milliseconds from navigation to its charts drawn, as the page measured them. */
  async function open(name: string): Promise<number> {
    // From another page, so that opening the dashboard shown last loads it afresh rather than being a no-op hash change.
    await page.goto('about:blank');
    await page.goto(`${site}#dashboard=${name}`);
    await page.waitForFunction((hash) => document.body.dataset.drawn === hash, `#dashboard=${name}`);
    return page.evaluate(() => performance.getEntriesByName('plat:dashboard-drawn').at(-1)!.startTime);
  }

  /** Changes a filter and returns how long the page took to draw every chart again. */
  async function choose(filter: string, values: string | string[]): Promise<number> {
    await page.evaluate(() => performance.clearMarks('plat:dashboard-drawn'));
    const started = await page.evaluate(() => performance.now());
    await page.selectOption(`select[data-filter="${filter}"]`, values);
    await page.waitForFunction(() => performance.getEntriesByName('plat:dashboard-drawn').length > 0);
    return (await page.evaluate(() => performance.getEntriesByName('plat:dashboard-drawn')[0]!.startTime)) - started;
  }

  it.each(['equipment_health', 'predictive_maintenance', 'quality_analytics', 'production_kpis'])(
    'draws %s with the data SQL gives, and redraws it for a machine',
    async (name) => {
      const opened = await open(name);
      expect(Object.keys((await drawnCharts()).series).length).toBeGreaterThan(0);
      await expectDrawnAsSql(name);
      await screenshot(page, `dashboard-${name}`);
      const machine = (
        await page.$$eval('select[data-filter="equipment"] option', (o) => o.map((x) => (x as HTMLOptionElement).value))
      )[1]!;
      const filtered = await choose('equipment', machine);
      await expectDrawnAsSql(name, `equipment_id = '${machine}'`);
      // Timings are printed, not asserted: bench:docs holds the figure against its target.
      process.stdout.write(
        `dashboard ${name}: drawn ${opened.toFixed(0)} ms after navigation, redrawn for ${machine} in ${filtered.toFixed(0)} ms\n`,
      );
      expect(errors).toEqual([]);
    },
  );

  it('narrows Production KPIs to the last day and to one plant', async () => {
    await open('production_kpis');
    await choose('period', '24h');
    const { day } = await sql(`select cast(max(calendar_date) as varchar) as day from (${charts('production_kpis')[0]!.from})`);
    await expectDrawnAsSql('production_kpis', `calendar_date = date '${day}'`);
    expect((await drawnCharts()).series.r1c0).toEqual([1, 1, 1, 1]);
    await choose('plant', ['PLANT-B']);
    await expectDrawnAsSql('production_kpis', `calendar_date = date '${day}' and plant_id = 'PLANT-B'`);
    await screenshot(page, 'dashboard-production_kpis-filtered');
    expect(errors).toEqual([]);
  });

  it('lists the dashboards and links each to its lineage, where its models are upstream', async () => {
    await page.goto(`${site}#dashboards`);
    await page.waitForFunction(() => document.body.dataset.drawn === '#dashboards');
    expect(await page.$$eval('.dash-list a', (links) => links.map((a) => a.textContent))).toEqual([
      'Equipment Health',
      'Predictive Maintenance',
      'Production KPIs',
      'Quality Analytics',
    ]);
    expect(manifest.parents['exposure.factory.equipment_health']).toEqual(
      expect.arrayContaining(['model.factory.mart_equipment_health', 'model.factory.ml_sensor_series_hourly']),
    );
    await page.click('.dash-list a >> text=Equipment Health');
    await page.waitForFunction(() => document.body.dataset.drawn === '#dashboard=equipment_health');
    await page.click('a >> text=lineage');
    await page.waitForFunction(() => document.body.dataset.drawn === '#node=exposure.factory.equipment_health');
    expect(await page.evaluate(() => document.body.dataset.view)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
