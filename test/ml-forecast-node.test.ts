/**
 * Forecasts as plat ML nodes (`task: forecast`): one Holt–Winters series per entity and metric,
 * trained by `build` with a backtest on the held-out tail, scored into forecasts_<model> and
 * forecast_violations_<model>, which SQL models can ref.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { build, compileProject, generateDocs, readProjectFiles, type RunResults } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { Registry } from '../framework/ml/registry.js';
import { launchChromium, screenshot } from './docs-page.js';
import { compileDir, queryDb, writeProject } from './helpers.js';

const executable = inject('chromium');

// Three machines, two weeks hourly: a daily cycle, a slow rise, and bounded deterministic noise.
const SERIES_SQL = `{{config materialized="table"}}
select e.range as equipment_id,
       timestamp '2024-01-01' + to_hours(h.range::bigint) as hour,
       50 + 2 * e.range + 0.02 * h.range + 5 * sin(2 * pi() * h.range / 24) + (((h.range * 7919 + e.range * 104729) % 1000) / 1000.0 - 0.5) as temperature,
       3 + 0.5 * cos(2 * pi() * h.range / 24) + (((h.range * 104723 + e.range * 7907) % 1000) / 1000.0 - 0.5) * 0.2 as vibration
from range(3) as e cross join range(336) as h`;

const ML = `feature_sets:
  - name: sensor_series
    entity: equipment_id
    ref: series
    features:
      - { name: temperature }
      - { name: vibration }
models:
  - name: equipment_metrics
    feature_set: sensor_series
    task: forecast
    forecast:
      time: hour
      frequency: hour
      horizon: 24
      season: 24
      thresholds:
        temperature: { warning: 58, critical: 61 }
    promote_if: mape <= 10
scoring:
  - model: equipment_metrics
`;

const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));

describe('forecast models', () => {
  let dir: string;
  let results: ReturnType<typeof byName>;
  beforeAll(async () => {
    dir = writeProject({
      'plat_project.yml': 'name: forecasting\n',
      'models/series.sql': SERIES_SQL,
      'models/hot_soon.sql': `select equipment_id, count(*) as warnings from {{ref "forecast_violations_equipment_metrics"}} group by 1`,
      'ml/forecast.yml': ML,
    });
    results = byName(await build(compileDir(dir), { env: {} }));
  }, 600_000);

  it('backtests on the held-out tail and promotes on its MAPE', () => {
    expect(results.equipment_metrics).toMatchObject({ status: 'success', ml: { version: 'v1', trained: true, promoted: true } });
    const { metrics } = Registry.forProject(dir).promotedVersion('equipment_metrics')!;
    expect(Object.keys(metrics).sort()).toEqual(['by_metric', 'coverage_80', 'coverage_95', 'mae', 'mape', 'smape']);
    expect(metrics.mape).toBeLessThan(3);
    expect(Object.keys(metrics.by_metric!).sort()).toEqual(['temperature', 'vibration']);
    // Deterministic data, so these bounds cannot flake; the noise is bounded, so the intervals are wide enough.
    expect(metrics.coverage_95).toBeGreaterThanOrEqual(metrics.coverage_80!);
    expect(metrics.coverage_95).toBeGreaterThan(0.8);
  });

  it('writes each entity and metric 24 hours ahead with nested 80 % and 95 % intervals', async () => {
    const rows = await queryDb(
      dir,
      `select equipment_id, metric, count(*) as n, min(ts) as first, max(ts) as last,
              bool_and(lower_95 <= lower_80 and lower_80 <= value and value <= upper_80 and upper_80 <= upper_95) as nested
       from ml.forecasts_equipment_metrics group by 1, 2 order by 1, 2`,
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(Number(row.n)).toBe(24);
      expect(row.nested).toBe(true);
      expect(new Date(String(row.first)).toISOString()).toBe('2024-01-15T00:00:00.000Z');
    }
  });

  it('predicts threshold violations with their severity, and SQL models read them', async () => {
    const violations = await queryDb(dir, 'select * from ml.forecast_violations_equipment_metrics order by equipment_id, ts');
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) {
      expect(v.metric).toBe('temperature');
      expect(Number(v.value)).toBeGreaterThanOrEqual(Number(v.threshold));
      expect(Number(v.threshold)).toBe(v.severity === 'critical' ? 61 : 58);
    }
    expect(results.hot_soon).toMatchObject({ status: 'success' });
  });

  it("draws each series' history, forecast and intervals on the model's docs page", async () => {
    const generated = await generateDocs(compileDir(dir));
    const browser = await launchChromium(executable!);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(
        `${pathToFileURL(join(generated.dir, 'index.html')).href}#node=${encodeURIComponent('ml_train.forecasting.equipment_metrics')}`,
      );
      await page.waitForSelector('#forecast-charts .forecast-chart svg');
      const charts = () =>
        page.$$eval('.forecast-chart', (boxes) =>
          boxes.map((box) => ({
            metric: (box as HTMLElement).dataset.metric,
            points: (box as HTMLElement).dataset.points,
            text: box.textContent ?? '',
            paths: box.querySelectorAll('path').length,
          })),
        );
      expect(await page.$$eval('#forecast-entity option', (options) => options.map((o) => o.textContent))).toEqual(['0', '1', '2']);
      const first = await charts();
      expect(first.map((c) => [c.metric, c.points])).toEqual([
        ['temperature', '24'],
        ['vibration', '24'],
      ]);
      // Legends of both bands, the y-axis named for the metric, and the declared levels drawn as lines.
      expect(first[0]!.text).toContain('95 % interval');
      expect(first[0]!.text).toContain('80 % interval');
      expect(first[0]!.text).toContain('temperature');
      expect(first[0]!.text).toContain('critical');
      expect(first[1]!.text).not.toContain('critical');
      await page.selectOption('#forecast-entity', '2');
      await page.waitForFunction(() => document.getElementById('forecast-charts')?.dataset.entity === '2');
      expect((await charts()).length).toBe(2);
      await page.locator('#forecast-charts').scrollIntoViewIfNeeded();
      await screenshot(page, 'forecast-page');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('reports a threshold on a metric the feature set lacks, with a hint', () => {
    writeFileSync(
      join(dir, 'ml/forecast.yml'),
      readFileSync(join(dir, 'ml/forecast.yml'), 'utf8').replace('temperature: { warning', 'temperatur: { warning'),
    );
    expect(compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'ml/forecast.yml:18:21 — model equipment_metrics: a threshold for "temperatur", which is not a feature of sensor_series — did you mean "temperature"?',
    ]);
  });
});
