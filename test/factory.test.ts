import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../framework/index.js';
import { Registry } from '../framework/ml/registry.js';
import { parseCsv } from '../framework/run/sources/generator_entities.js';
import { factoryHistory, historyCsv } from '../examples/factory/scripts/history.js';
import {
  asBatch,
  asEvent,
  asReading,
  batchRule,
  clean,
  dailyOee,
  dataWindow,
  dateKey,
  eventRule,
  failureLabels,
  healthStatus,
  qualityRates,
  readingRule,
  type Batch,
  type Machine,
  type Reading,
  type StatusEvent,
} from './factory-figures.js';
import { compileDir, copyProject, queryDb, repoRoot } from './helpers.js';

/**
 * Builds the manufacturing example from a clean copy on the embedded default (generators, no
 * broker) and checks its marts against the same figures computed here, in TypeScript, from the
 * rows the build landed. The stream over a real broker is in factory-kafka.test.ts.
 */
const DAY = 86_400_000;
let dir: string;
let firstBuild: Awaited<ReturnType<typeof build>>;
let readings: Reading[];
let events: StatusEvent[];
let batches: Batch[];
let reasons: Map<string, Map<string, number>>;
let machines: Map<string, Machine>;
let window: { start: number; asOf: number };

beforeAll(async () => {
  dir = copyProject(join(repoRoot, 'examples/factory'));
  firstBuild = await build(compileDir(dir), { env: {} });
  expect(firstBuild.success).toBe(true);
  const [header, ...rows] = parseCsv(readFileSync(join(dir, 'data/equipment.csv'), 'utf8'));
  const column = (row: string[], name: string) => row[header!.indexOf(name)]!;
  machines = new Map(
    rows.map((r) => [
      column(r, 'equipment_id'),
      {
        equipment_id: column(r, 'equipment_id'),
        ideal_rate_per_hour: Number(column(r, 'ideal_rate_per_hour')),
        nominal_temperature: Number(column(r, 'nominal_temperature')),
        nominal_vibration: Number(column(r, 'nominal_vibration')),
      },
    ]),
  );
  const known = new Set<unknown>(machines.keys());
  const sensors = clean(
    await queryDb(dir, 'select reading_id, equipment_id, ts, temperature, vibration from bronze.equipment_sensors'),
    'reading_id',
    readingRule(known),
    asReading,
  );
  const status = clean(
    await queryDb(dir, 'select event_id, equipment_id, ts, event_type, status from bronze.equipment_status'),
    'event_id',
    eventRule(known),
    asEvent,
  );
  const quality = clean(
    await queryDb(dir, 'select batch_id, equipment_id, ts, units_produced, defect_class from bronze.quality_metrics'),
    'batch_id',
    batchRule(known),
    asBatch,
  );
  [readings, events, batches] = [sensors.rows, status.rows, quality.rows];
  reasons = new Map([
    ['equipment_sensors', sensors.reasons],
    ['equipment_status', status.reasons],
    ['quality_metrics', quality.reasons],
  ]);
  window = dataWindow(readings, events, batches);
  // The build trains the four models too; on a shared, loaded machine it has taken over five minutes.
}, 900_000);

const result = (name: string) => firstBuild.results.find((r) => r.name === name)!;

describe('the manufacturing example', () => {
  it('builds every node, with warnings only where bad rows were injected at the sources', () => {
    const problems = firstBuild.results.filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'skipped');
    expect(problems.map((r) => [r.name, r.error?.message])).toEqual([]);
    const warnings = firstBuild.results.filter((r) => r.status === 'warn').map((r) => r.name);
    expect(warnings.length).toBeGreaterThan(8);
    expect(warnings.every((name) => name.includes('_source_factory_'))).toBe(true);
    for (const name of [
      'fact_production_metrics_multiplies_availability_performance_quality',
      'int_failure_labels_looks_seven_days_ahead_per_machine',
      'stg_sensor_readings_refuses_each_broken_rule',
      'readings_only_while_running',
      'units_reach_oee_and_quality_dashboard',
    ]) {
      expect(result(name).status, name).toBe('pass');
    }
    expect(result('mart_equipment_health').status).toBe('success');
  });

  it('refuses exactly the bad rows staging should, each with its rule, and stages the rest once', async () => {
    const rejected = await queryDb(dir, 'select source_table, reject_reason, count(*) as n from staging.stg_rejected_rows group by 1, 2');
    const got = new Map<string, Map<string, number>>();
    for (const r of rejected)
      got.set(r.source_table as string, (got.get(r.source_table as string) ?? new Map()).set(r.reject_reason as string, Number(r.n)));
    expect(got).toEqual(reasons);
    for (const reason of ['null_equipment_id', 'unknown_equipment', 'temperature_out_of_range', 'negative_vibration', 'duplicate'])
      expect(reasons.get('equipment_sensors')!.get(reason), reason).toBeGreaterThan(0);
    expect(
      await queryDb(
        dir,
        'select (select count(*) from staging.stg_sensor_readings) as readings, (select count(*) from staging.stg_equipment_events) as events, (select count(*) from staging.stg_quality_inspections) as batches',
      ),
    ).toEqual([{ readings: BigInt(readings.length), events: BigInt(events.length), batches: BigInt(batches.length) }]);
    // The source tests count the same bad rows as warnings.
    const raw = await queryDb(
      dir,
      'select count(*) filter (where equipment_id is null) as nulls, count(*) filter (where vibration < 0) as negative from bronze.equipment_sensors',
    );
    expect(result('not_null_source_factory_equipment_sensors_equipment_id')).toMatchObject({
      status: 'warn',
      failures: Number(raw[0]!.nulls),
    });
    expect(result('range_source_factory_equipment_sensors_vibration')).toMatchObject({
      status: 'warn',
      failures: Number(raw[0]!.negative),
    });
  });

  it('computes OEE per machine and day as availability × performance × quality', async () => {
    const days = new Set([...readings, ...events, ...batches].map((r) => Math.floor(r.ts / DAY) * DAY));
    const expected = dailyOee(events, batches, machines, days, window);
    const rows = await queryDb(dir, 'select * from marts.fact_production_metrics');
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(`${row.equipment_id}@${row.date_key}`)!;
      expect(row.observed_minutes).toBeCloseTo(want.observed / 60, 9);
      expect(row.running_minutes).toBeCloseTo(want.running / 60, 9);
      expect([Number(row.batches), Number(row.units_produced), Number(row.sellable_units)]).toEqual([
        want.batches,
        want.units,
        want.sellable,
      ]);
      for (const k of ['availability', 'performance', 'quality', 'oee'] as const) {
        if (want[k] === null) expect(row[k], k).toBeNull();
        else expect(row[k] as number, k).toBeCloseTo(want[k]!, 9);
      }
    }
    const oee = rows.map((r) => r.oee).filter((v): v is number => v !== null);
    expect(oee.reduce((s, v) => s + v, 0) / oee.length).toBeGreaterThan(0.5);
    expect(oee.reduce((s, v) => s + v, 0) / oee.length).toBeLessThan(0.9);
  });

  it('labels each hour a machine ran with whether it failed within the next 7 days', async () => {
    const expected = failureLabels(readings, events, window.asOf);
    const rows = await queryDb(
      dir,
      'select equipment_id, hour, failure_within_7_days, label_observed from intermediate.int_failure_labels',
    );
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(`${row.equipment_id}@${(row.hour as Date).getTime()}`)!;
      expect([row.failure_within_7_days, row.label_observed]).toEqual([want.label, want.observed]);
    }
    const positives =
      [...expected.values()].filter((l) => l.observed && l.label === 1).length / [...expected.values()].filter((l) => l.observed).length;
    expect(positives).toBeGreaterThan(0.15);
    expect(positives).toBeLessThan(0.5);
    expect(events.filter((e) => e.event_type === 'failure').length).toBeGreaterThan(15);
  });

  it('rates each machine Critical, Warning or Normal from its last 24 hours and its state', async () => {
    // The condition rules, raised by the failure model's probability at each machine's latest snapshot.
    const predicted = await queryDb(
      dir,
      `select f.equipment_id, p.probability from ml.predictions_failure_within_7_days as p
       join features.ml_failure_features as f using (snapshot_id)`,
    );
    expect(predicted).toHaveLength(36);
    const rank = ['Normal', 'Warning', 'Critical'];
    const expected = new Map(
      [...healthStatus(readings, events, machines, window.asOf)].map(([id, status]) => {
        const p = Number(predicted.find((r) => r.equipment_id === id)!.probability);
        const byModel = p > 0.8 ? 'Critical' : p > 0.5 ? 'Warning' : 'Normal';
        return [id, rank[Math.max(rank.indexOf(status), rank.indexOf(byModel))]!];
      }),
    );
    const rows = await queryDb(dir, 'select equipment_id, health_status, as_of from marts.mart_equipment_health');
    expect(new Map(rows.map((r) => [r.equipment_id, r.health_status]))).toEqual(expected);
    expect((rows[0]!.as_of as Date).getTime()).toBe(window.asOf);
    const counts = (statuses: Iterable<unknown>) => {
      const c: Record<string, number> = {};
      for (const s of statuses) c[String(s)] = (c[String(s)] ?? 0) + 1;
      return c;
    };
    expect(counts(rows.map((r) => r.health_status))).toEqual(counts(expected.values()));
    expect(expected.size).toBe(36);
  });

  it('computes defect rates, reject rates and first-pass yield per machine and day', async () => {
    const expected = qualityRates(batches);
    const rows = await queryDb(dir, 'select * from marts.mart_quality_dashboard');
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(`${row.equipment_id}@${row.date_key}`)!;
      expect(Number(row.batches)).toBe(want.batches);
      expect(row.defect_rate as number).toBeCloseTo(want.defectRate, 12);
      expect(row.reject_rate as number).toBeCloseTo(want.rejectRate, 12);
      expect(row.first_pass_yield as number).toBeCloseTo(want.firstPassYield!, 12);
    }
    const all = [...expected.values()];
    const defects = all.reduce((s, d) => s + d.defectRate * d.batches, 0) / all.reduce((s, d) => s + d.batches, 0);
    expect(defects).toBeGreaterThan(0.2);
    expect(defects).toBeLessThan(0.4);
    expect(dateKey(window.start)).toBe(20261102);
  });

  it('ships a maintenance and failure history that is the same lifecycle before the window', () => {
    const files = historyCsv(factoryHistory(dir));
    expect(readFileSync(join(dir, 'data/maintenance_history.csv'), 'utf8')).toBe(files.maintenance);
    expect(readFileSync(join(dir, 'data/failure_history.csv'), 'utf8')).toBe(files.failures);
    const lastHistory = Math.max(
      ...parseCsv(files.maintenance)
        .slice(1)
        .map((r) => Date.parse(r[4]!)),
    );
    expect(lastHistory).toBeLessThan(window.start);
  });

  it("keeps the simulator's truth for every reading: its fault label and how worn the machine was", async () => {
    const [labels] = await queryDb(
      dir,
      `select count(*) as staged, count(l.reading_id) as labelled, count(*) filter (where l.anomaly <> 'none') as faults, avg(case when l.degradation > 0.5 then s.vibration / e.nominal_vibration end) as worn, avg(case when l.degradation = 0 then s.vibration / e.nominal_vibration end) as fresh
       from staging.stg_sensor_readings as s left join simulator.sensor_anomaly_labels as l using (reading_id) join reference.equipment as e on e.equipment_id = s.equipment_id`,
    );
    expect(labels!.labelled).toBe(labels!.staged);
    expect(Number(labels!.faults) / Number(labels!.staged)).toBeGreaterThan(0.01);
    expect(Number(labels!.faults) / Number(labels!.staged)).toBeLessThan(0.02);
    expect(labels!.worn as number).toBeGreaterThan((labels!.fresh as number) * 1.3);
  });

  it('merges nothing new on a second build of the same data', async () => {
    const again = await build(compileDir(dir), { env: {} });
    for (const name of ['stg_sensor_readings', 'stg_equipment_events', 'stg_quality_inspections', 'fact_sensor_readings']) {
      expect(
        again.results.find((r) => r.name === name),
        name,
      ).toMatchObject({ status: 'success', action: 'incremental (merge)', rows: 0 });
    }
    expect(await queryDb(dir, 'select count(*) as n from marts.fact_sensor_readings')).toEqual([{ n: BigInt(readings.length) }]);
  });
});

/**
 * The reference's four models, declared in examples/factory/ml/factory.yml and trained by the
 * same build on held-out rows: each KPI is read from the metrics.json plat wrote.
 */
describe('the four models reach the reference KPIs on held-out data', () => {
  const metrics = (model: string) => {
    const version = Registry.forProject(dir).promotedVersion(model);
    expect(version, `${model} is promoted`).not.toBeNull();
    return version!.metrics;
  };

  it('predictive maintenance: precision > 0.80 and recall > 0.90 on machines it never saw, no feature leaking the label', () => {
    const m = metrics('failure_within_7_days');
    expect(m.precision).toBeGreaterThan(0.8);
    expect(m.recall).toBeGreaterThan(0.9);
    expect(Registry.forProject(dir).promotedVersion('failure_within_7_days')!.spec).toMatchObject({ split: { by: 'equipment_id' } });
    expect(firstBuild.notes.filter((n) => n.includes('leakage'))).toEqual([]);
  });

  it('anomaly detection: false-positive rate < 5 % against the hidden anomaly labels, recall reported', () => {
    const m = metrics('sensor_anomaly');
    expect(m.false_positive_rate).toBeLessThan(0.05);
    expect(m.recall).toBeGreaterThan(0.5);
    expect(m.roc_auc).toBeGreaterThan(0.8);
  });

  it('quality prediction: accuracy > 0.85 over Good, Minor Defect, Major Defect and Reject', () => {
    expect(metrics('defect_class').accuracy).toBeGreaterThan(0.85);
    expect(Registry.forProject(dir).promotedVersion('defect_class')!.classes).toEqual(['Good', 'Major Defect', 'Minor Defect', 'Reject']);
  });

  it('forecasting: MAPE < 10 % for hourly temperature and vibration, 24 hours ahead on the backtest', () => {
    const m = metrics('equipment_metrics');
    expect(m.by_metric!.temperature_mean!.mape).toBeLessThan(10);
    expect(m.by_metric!.vibration_mean!.mape).toBeLessThan(10);
  });

  it('writes predictions, forecasts and violations the marts and agents read', async () => {
    const [health] = await queryDb(
      dir,
      'select count(failure_probability) as scored, count(failure_factors) as explained from marts.mart_equipment_health',
    );
    expect(health).toEqual({ scored: 36n, explained: 36n });
    const [planned] = await queryDb(dir, 'select count(failure_probability) as scored from marts.mart_predictive_maintenance');
    expect(planned).toEqual({ scored: 36n });
    const [forecasts] = await queryDb(
      dir,
      'select count(*) as n, count(distinct equipment_id) as machines from ml.forecasts_equipment_metrics',
    );
    expect(forecasts).toEqual({ n: 36n * 2n * 24n, machines: 36n });
    const severities = await queryDb(dir, 'select distinct severity from ml.forecast_violations_equipment_metrics');
    for (const { severity } of severities) expect(['warning', 'critical']).toContain(severity);
    const [flags] = await queryDb(
      dir,
      'select count(*) as n, count(*) filter (where is_anomaly) as flagged from ml.predictions_sensor_anomaly',
    );
    expect(Number(flags!.n)).toBeGreaterThan(0);
    expect(Number(flags!.flagged)).toBeLessThan(Number(flags!.n) * 0.1);
  });
});
