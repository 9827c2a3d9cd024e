import { join } from 'node:path';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, build, serveAgent, type Manifest } from '../framework/index.js';
import { Endpoints } from '../framework/serve/endpoints.js';
import { llmInsightWriter } from '../framework/serve/insights.js';
import { dashboardRoutes } from '../framework/serve/dashboards.js';
import { dashboardByName } from '../framework/docs/dashboards.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import type { Connection, Warehouse } from '../framework/warehouse/connection.js';
import { compileDir, copyProject, queryDb, repoRoot } from './helpers.js';

/**
 * The factory's endpoints (examples/factory/endpoints/) on a build of a clean copy: every answer
 * is checked against the tables it claims to come from, read here with SQL.
 */
let dir: string;
let manifest: Manifest;
let endpoints: Endpoints;
let server: { url: string; close: () => Promise<void> };
const TOKEN = 'serve-factory-secret';

beforeAll(async () => {
  dir = copyProject(join(repoRoot, 'examples/factory'));
  manifest = compileDir(dir);
  const built = await build(manifest, { env: {} });
  expect(built.success).toBe(true);
  endpoints = new Endpoints(manifest, { env: {} });
  server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0, {
    endpoints,
    token: TOKEN,
    routes: dashboardRoutes(manifest, endpoints.data),
  });
}, 900_000);
afterAll(() => server?.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

const machines = async () =>
  (await queryDb(dir, 'select equipment_id from marts.dim_equipment order by 1')).map((r) => String(r.equipment_id));

const level = (p: number) => (p >= 0.8 ? 'Critical' : p >= 0.5 ? 'High' : p >= 0.2 ? 'Medium' : 'Low');

const rounded = (value: unknown): unknown =>
  typeof value === 'number'
    ? Number(value.toPrecision(12))
    : Array.isArray(value)
      ? value.map(rounded)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]))
        : value;

/** A chart's rows are a set the page aggregates (no order is promised), so both sides are sorted. */
const unordered = (rows: unknown): unknown =>
  (rows as { charts: { rows?: unknown[] }[] }[]).map((row) => ({
    ...row,
    charts: row.charts.map((chart) =>
      chart.rows ? { ...chart, rows: [...chart.rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) } : chart,
    ),
  }));

/** The first place two JSON values differ, with both sides, or null. */
const difference = (a: unknown, b: unknown, at: string): string | null => {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = difference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
      if (found) return found;
    }
    return null;
  }
  return a === b ? null : `${at}: ${JSON.stringify(a)} against ${JSON.stringify(b)}`;
};

describe('GET /v1/dashboards under plat serve', () => {
  it("answers each dashboard's data from the published copy, equal to reading the built database, and 404 with a suggestion", async () => {
    const get = (path: string) =>
      fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    const listed = await get('/v1/dashboards');
    expect(listed.body.dashboards.map((d: { name: string }) => d.name).sort()).toEqual(Object.keys(manifest.dashboards).sort());
    const warehouse = (await openWarehouse(manifest.target, { root: dir, mode: 'read-only' })) as Warehouse<Connection>;
    const connection = await warehouse.session();
    try {
      for (const name of Object.keys(manifest.dashboards)) {
        const { status, body } = await get(`/v1/dashboards/${name}`);
        expect(status).toBe(200);
        const direct = await dashboardByName(manifest, connection, name, new Date());
        // DuckDB sums doubles in parallel, so two reads of one table may differ in the last bits.
        expect(difference(unordered(rounded(body.rows)), unordered(rounded(JSON.parse(JSON.stringify(direct!.rows)))), name)).toBeNull();
      }
    } finally {
      warehouse.close();
    }
    expect(await get('/v1/dashboards/production_kpi')).toMatchObject({
      status: 404,
      body: { error: { message: 'no dashboard "production_kpi" (did you mean "production_kpis"?); GET /v1/dashboards lists them' } },
    });
  });
});

describe('POST /v1/predict', () => {
  it('answers each machine failure risk as its row of predictions_failure_within_7_days, with level, action and worded factors', async () => {
    const rows = await queryDb(
      dir,
      `select f.equipment_id, p.probability, p.model_version, p.contributions
       from ml.predictions_failure_within_7_days as p join features.ml_failure_features as f using (snapshot_id)`,
    );
    const expected = new Map(rows.map((r) => [String(r.equipment_id), r]));
    const ids = await machines();
    expect(expected.size).toBe(ids.length);
    let worded = 0;
    for (const id of ids) {
      const { status, body } = await post('/v1/predict', { equipment_id: id, prediction_type: 'failure_risk', time_horizon: '7_days' });
      expect(status).toBe(200);
      const row = expected.get(id)!;
      expect(body).toMatchObject({
        equipment_id: id,
        prediction_type: 'failure_risk',
        time_horizon: '7_days',
        failure_probability: row.probability,
        risk_level: level(row.probability as number),
        model: { name: 'failure_within_7_days', version: row.model_version },
      });
      const positive = (JSON.parse(String(row.contributions)) as { feature: string; value: number; contribution: number }[])
        .filter((c) => c.contribution > 0)
        .sort((a, b) => b.contribution - a.contribution);
      expect(body.contributing_factors).toHaveLength(positive.length);
      positive.forEach((c, i) => {
        if (c.feature !== 'vibration_vs_nominal' || c.value < 1) return;
        expect(body.contributing_factors[i]).toBe(`Elevated vibration (${Math.round((c.value - 1) * 100)}% above normal)`);
        worded++;
      });
    }
    expect(worded).toBeGreaterThan(0);
  });

  it('says what mart_predictive_maintenance says about each machine', async () => {
    const mart = await queryDb(dir, 'select equipment_id, failure_probability from marts.mart_predictive_maintenance');
    expect(mart.length).toBeGreaterThan(0);
    for (const row of mart) {
      const { body } = await post('/v1/predict', { equipment_id: row.equipment_id, prediction_type: 'failure_risk' });
      expect(body.failure_probability).toBe(row.failure_probability);
    }
  });

  it('answers the anomaly score of each machine latest scored reading, and 404 for a machine with none', async () => {
    const rows = await queryDb(
      dir,
      `select f.equipment_id, p.reading_id, p.score, p.is_anomaly
       from ml.predictions_sensor_anomaly as p join features.ml_anomaly_features as f using (reading_id)
       qualify row_number() over (partition by f.equipment_id order by f.reading_ts desc, f.reading_id) = 1`,
    );
    const expected = new Map(rows.map((r) => [String(r.equipment_id), r]));
    for (const id of await machines()) {
      const { status, body } = await post('/v1/predict', { equipment_id: id, prediction_type: 'anomaly' });
      const row = expected.get(id);
      if (!row) {
        expect(status).toBe(404);
        continue;
      }
      expect(body).toMatchObject({ anomaly_score: row.score, is_anomaly: row.is_anomaly, reading_id: row.reading_id });
      expect(body.risk_level).toBe((row.score as number) >= 0.65 ? 'High' : (row.score as number) >= 0.55 ? 'Medium' : 'Low');
    }
  });

  it('answers the quality class predicted for each machine latest batch, its level from the class', async () => {
    const rows = await queryDb(
      dir,
      `select b.equipment_id, p.batch_id, p.predicted_class, p.probability, p.probabilities
       from ml.predictions_defect_class as p join marts.fact_quality_inspections as b using (batch_id)
       qualify row_number() over (partition by b.equipment_id order by b.inspected_at desc, b.batch_id) = 1`,
    );
    const levels: Record<string, string> = { Reject: 'High', 'Major Defect': 'Medium', 'Minor Defect': 'Low', Good: 'None' };
    for (const row of rows) {
      const { body } = await post('/v1/predict', { equipment_id: row.equipment_id, prediction_type: 'quality' });
      expect(body).toMatchObject({
        predicted_class: row.predicted_class,
        class_probability: row.probability,
        class_probabilities: JSON.parse(String(row.probabilities)),
        batch_id: row.batch_id,
        risk_level: levels[String(row.predicted_class)],
      });
      // Every class has its probability; the predicted one is the largest.
      const probabilities = Object.values(body.class_probabilities as Record<string, number>);
      expect(Object.keys(body.class_probabilities).sort()).toEqual(['Good', 'Major Defect', 'Minor Defect', 'Reject']);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(body.class_probabilities[String(row.predicted_class)]).toBe(Math.max(...probabilities));
    }
  });

  it('answers 400 with the reason for an invalid request, and 404 with a suggestion for an unknown machine', async () => {
    expect(await post('/v1/predict', { equipment_id: 'CNC-A-102', prediction_type: 'risk' })).toMatchObject({
      status: 400,
      body: { error: { message: 'invalid request to POST /v1/predict: prediction_type: must be one of failure_risk, anomaly, quality' } },
    });
    expect((await post('/v1/predict', { equipment_id: 'CNC-A-102' })).body.error.message).toBe(
      'invalid request to POST /v1/predict: missing field "prediction_type"',
    );
    expect((await post('/v1/predict', { equipmnt_id: 'CNC-A-102', prediction_type: 'anomaly' })).body.error.message).toContain(
      'unknown field "equipmnt_id" (did you mean "equipment_id"?)',
    );
    expect(await post('/v1/predict', { equipment_id: 'CNC-A-10', prediction_type: 'failure_risk' })).toMatchObject({
      status: 404,
      body: { error: { message: 'no equipment_id "CNC-A-10" among the predictions of failure_within_7_days' } },
    });
  });
});

describe('POST /v1/forecast', () => {
  it('answers each machine forecast as forecasts_equipment_metrics holds it, cut at the horizon, with its violations', async () => {
    const points = await queryDb(
      dir,
      `select equipment_id, metric, ts, value, lower_95, upper_95 from ml.forecasts_equipment_metrics order by equipment_id, metric, ts`,
    );
    const violations = await queryDb(
      dir,
      'select equipment_id, metric, ts, value, threshold, severity from ml.forecast_violations_equipment_metrics order by ts',
    );
    expect(violations.length).toBeGreaterThan(0);
    const metrics = { temperature: 'temperature_mean', vibration: 'vibration_mean' } as const;
    for (const id of await machines()) {
      for (const [metric, series] of Object.entries(metrics)) {
        const mine = points.filter((p) => p.equipment_id === id && p.metric === series);
        const { status, body } = await post('/v1/forecast', { equipment_id: id, metric, forecast_horizon: '12_hours' });
        if (mine.length === 0) {
          expect(status).toBe(404);
          continue;
        }
        expect(body.forecasted_values).toEqual(
          mine.slice(0, 12).map((p) => ({
            timestamp: (p.ts as Date).toISOString(),
            value: p.value,
            confidence_interval: [p.lower_95, p.upper_95],
          })),
        );
        const cut = (mine[11]!.ts as Date).getTime();
        const crossing = violations.filter((v) => v.equipment_id === id && v.metric === series && (v.ts as Date).getTime() <= cut);
        expect(body.threshold_violations.map((v: any) => [v.timestamp, v.predicted_value, v.threshold, v.severity])).toEqual(
          crossing.map((v) => [
            (v.ts as Date).toISOString(),
            v.value,
            v.threshold,
            String(v.severity).replace(/^./, (c) => c.toUpperCase()),
          ]),
        );
        if (crossing[0])
          expect(body.recommendation).toBe(
            `Monitor ${metric} closely. Predicted to exceed the ${crossing[0].severity} threshold (${crossing[0].threshold}) at ${(crossing[0].ts as Date).toISOString()}`,
          );
        else
          expect(body.recommendation).toBe(
            `${metric[0]!.toUpperCase()}${metric.slice(1)} is predicted to stay within its thresholds for the next 12 hours`,
          );
      }
    }
  });

  it('refuses a horizon beyond what the model forecasts, and a malformed one', async () => {
    expect(await post('/v1/forecast', { equipment_id: 'CNC-A-102', metric: 'temperature', forecast_horizon: '3_days' })).toMatchObject({
      status: 400,
      body: { error: { message: 'equipment_metrics forecasts at most 1 day ahead; ask for forecast_horizon 24_hours or less' } },
    });
    expect((await post('/v1/forecast', { equipment_id: 'CNC-A-102', metric: 'temperature', forecast_horizon: 'tomorrow' })).status).toBe(
      400,
    );
  });
});

describe('POST /v1/analytics', () => {
  it('answers the figures of the period and the one before from the marts, their trends, and the insights whose conditions hold', async () => {
    const { status, body } = await post('/v1/analytics', {
      equipment_id: 'CNC-A-102',
      analysis_type: 'performance_trend',
      time_range: 'last_7_days',
    });
    expect(status).toBe(200);
    const [asOf] = await queryDb(dir, 'select max(reading_ts) as a from marts.fact_sensor_readings');
    expect(Date.parse(body.period.end) - 1).toBeGreaterThanOrEqual((asOf!.a as Date).getTime());
    const average = async (start: string, end: string) =>
      (
        await queryDb(
          dir,
          `select avg(temperature) as t from marts.fact_sensor_readings
           where equipment_id = 'CNC-A-102' and reading_ts >= '${start}'::timestamp and reading_ts < '${end}'::timestamp`,
        )
      )[0]!.t as number;
    const week = 7 * 86_400_000;
    const previousStart = new Date(Date.parse(body.period.start) - week).toISOString();
    expect(body.figures.current.avg_temperature).toBeCloseTo(await average(body.period.start, body.period.end), 9);
    expect(body.figures.previous.avg_temperature).toBeCloseTo(await average(previousStart, body.period.start), 9);
    expect(body.metrics.avg_temperature).toBe(`${Number(body.figures.current.avg_temperature.toFixed(1))}°C`);
    const change =
      (100 * (body.figures.current.avg_temperature - body.figures.previous.avg_temperature)) / body.figures.previous.avg_temperature;
    expect(body.trends.temperature).toBe(`${change > 0 ? '↑' : '↓'} ${Number(Math.abs(change).toFixed(1))}% vs previous period`);
    const defects = body.figures.current.defect_rate as number;
    expect(body.insights.includes(`Defect rate of ${Number(defects.toFixed(1))}% is above the 10% alert level`)).toBe(defects > 10);
    expect(body.insights_by).toBe('rules');
  });

  it('has insights worded by a chat model from the same figures when one is given', async () => {
    const chat = new FakeListChatModel({ responses: ['- Uptime fell against the week before\n- Defects rose'] });
    const worded = new Endpoints(manifest, { env: {}, insightWriter: llmInsightWriter(chat) });
    try {
      const body = await worded.call('analytics', { equipment_id: 'CNC-A-102', analysis_type: 'performance_trend' });
      expect(body).toMatchObject({
        insights: ['Uptime fell against the week before', 'Defects rose'],
        insights_by: 'llm',
        time_range: 'last_7_days',
      });
    } finally {
      await worded.close();
    }
  });
});

describe('the API server', () => {
  it('publishes OpenAPI 3.1 whose request schemas are the ones requests are checked against', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/health',
      '/openapi.json',
      '/v1/analytics',
      '/v1/forecast',
      '/v1/predict',
      '/v1/stream-data',
    ]);
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    const examples: Record<string, unknown> = {
      '/v1/predict': { equipment_id: 'CNC-A-102', prediction_type: 'failure_risk', time_horizon: '7_days' },
      '/v1/forecast': { equipment_id: 'CNC-A-102', metric: 'temperature', forecast_horizon: '24_hours' },
      '/v1/analytics': { equipment_id: 'CNC-A-102', analysis_type: 'performance_trend', time_range: 'last_30_days' },
      '/v1/stream-data': { topic: 'equipment-status', event: { event_id: 'e1', equipment_id: 'CNC-A-102', ts: '2026-11-23T00:00:00Z' } },
    };
    for (const [path, example] of Object.entries(examples)) {
      const operation = document.paths[path].post;
      expect(operation.responses['200']).toBeDefined();
      expect(operation.responses['400'].content['application/json'].schema.required).toEqual(['error']);
      const validate = ajv.compile(operation.requestBody.content['application/json'].schema);
      expect(validate(example), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate({ ...(example as object), unknown_field: 1 })).toBe(false);
    }
    const stream = ajv.compile(document.paths['/v1/stream-data'].post.requestBody.content['application/json'].schema);
    expect(
      stream({ topic: 'equipment-sensors', event: { reading_id: 'r', equipment_id: 'X', ts: '2026-11-23T00:00:00Z', temperature: 'hot' } }),
    ).toBe(false);
  });

  it('answers only with the token, and never pages of other sites', async () => {
    expect((await post('/v1/predict', { equipment_id: 'CNC-A-102', prediction_type: 'anomaly' }, { authorization: '' })).status).toBe(401);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const foreign = await post('/v1/predict', { equipment_id: 'CNC-A-102', prediction_type: 'anomaly' }, { origin: 'http://evil.example' });
    expect(foreign).toMatchObject({
      status: 403,
      body: { error: { message: 'requests from other sites are refused (Origin http://evil.example)' } },
    });
  });

  it('answers stream-data with 503 and the reason when no broker is configured', async () => {
    const { status, body } = await post('/v1/stream-data', {
      topic: 'equipment-status',
      event: { event_id: 'e1', equipment_id: 'CNC-A-102', ts: '2026-11-23T00:00:00Z', event_type: 'stop', status: 'idle' },
    });
    expect(status).toBe(503);
    expect(body.error.message).toMatch(/^no Kafka broker is configured: set KAFKA_BROKERS/);
  });
});
