import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, type AgentAnswer } from '../framework/agent/agent.js';
import { build, type Manifest } from '../framework/index.js';
import { compileDir, copyProject, queryDb, repoRoot } from './helpers.js';

/**
 * The manufacturing example's three agents (reference 002, "Enhanced AI Agents") answering
 * the reference's example requests without an LLM, on one build of examples/factory; every
 * figure in an answer is checked against SQL run here on the same database.
 */
let dir: string;
let manifest: Manifest;
let built: Awaited<ReturnType<typeof build>>;
let agent: Agent;

beforeAll(async () => {
  dir = copyProject(join(repoRoot, 'examples/factory'));
  manifest = compileDir(dir);
  built = await build(manifest, { env: {} });
  expect(built.results.filter((r) => r.status === 'error').map((r) => [r.name, r.error?.message])).toEqual([]);
  expect(built.success).toBe(true);
  agent = new Agent(manifest, { chatModel: null, embeddings: null });
  // The build trains four models; on a shared, loaded machine it has taken over five minutes.
}, 1_500_000);

afterAll(async () => {
  await agent?.close();
  // A built copy takes a quarter of a gigabyte; the machine's /tmp is shared.
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const query = async (sql: string) =>
  (await queryDb(dir, sql)).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v]),
    ),
  );
const one = async (sql: string) => (await query(sql))[0]!;
/** A number as the fallback's answer writes it. */
const spelled = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 4 });
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
const only = (answer: AgentAnswer) => {
  expect(answer.calls).toHaveLength(1);
  expect(answer.calls[0]!.ok).toBe(true);
  return answer.calls[0]!;
};

describe('the factory agents', () => {
  it('are the reference’s ML, Analytics and Forecasting agents, each tool checked at build', () => {
    expect(Object.keys(manifest.agents).sort()).toEqual(['analytics', 'forecasting', 'ml']);
    const tools = built.results.filter((r) => r.uniqueId.startsWith('agent_tool.'));
    expect(tools.length).toBe(15);
    expect(tools.filter((r) => r.status !== 'success').map((r) => [r.name, r.error?.message])).toEqual([]);
    for (const settings of Object.values(manifest.agents)) expect(settings.keywords.length).toBeGreaterThan(3);
  });
});

describe('the ML agent', () => {
  it('answers the reference’s failure_risk request for CNC-A-102 with the model’s probability, factors and action', async () => {
    const answer = await agent.ask('What is the failure risk of CNC-A-102 within 7 days?');
    expect(answer.agents).toEqual(['ml']);
    const call = only(answer);
    expect([call.tool, call.args]).toEqual(['failure_risk', { equipment_id: 'CNC-A-102' }]);
    const expected = await one(`
      select p.probability, p.contributions, p.model_version, m.risk_level, m.recommended_action, m.hours_since_maintenance
      from ml.predictions_failure_within_7_days as p
      join features.ml_failure_features as f using (snapshot_id)
      join marts.mart_predictive_maintenance as m on m.equipment_id = f.equipment_id and m.snapshot_ts = f.snapshot_ts
      where f.equipment_id = 'CNC-A-102'`);
    const got = call.rows[0]!;
    const probability = expected.probability as number;
    expect(got.failure_probability).toBe(round(probability, 4));
    expect(got.contributions).toBe(expected.contributions);
    expect([got.risk_level, got.model_version]).toEqual([expected.risk_level, expected.model_version]);
    expect(got.days_since_maintenance).toBe(round((expected.hours_since_maintenance as number) / 24, 1));
    // The mart's rule: a probability above 0.8 is High; the action follows the model as well as the rules.
    if (probability > 0.8) expect([got.risk_level, got.recommended_action]).toEqual(['High', 'Schedule maintenance within 3 days']);
    else if (expected.recommended_action !== 'No action') expect(got.recommended_action).toBe(expected.recommended_action);
    // The top three contributions, in the model's order; those that raised the risk, in words.
    const factors = JSON.parse(expected.contributions as string) as { feature: string; value: number; contribution: number }[];
    expect(factors).toHaveLength(3);
    expect(
      String(got.top_factors)
        .split('; ')
        .map((w) => w.split(' = ')[0]),
    ).toEqual(factors.map((f) => f.feature));
    const raising = factors.filter((f) => f.contribution > 0);
    const sentences = String(got.contributing_factors).split('; ');
    expect(sentences).toHaveLength(Math.max(1, raising.length));
    const vibration = raising.find((f) => f.feature === 'vibration_vs_nominal');
    if (vibration && vibration.value >= 1)
      expect(sentences).toContain(`Elevated vibration (${Math.round((vibration.value - 1) * 100)}% above normal)`);
    expect(answer.answer).toContain(
      `failure_probability: ${spelled(round(probability, 4))}, risk_level: ${expected.risk_level}, contributing_factors: ${got.contributing_factors}, recommended_action: ${got.recommended_action}`,
    );
  });

  it('lists a machine’s anomalous readings of the last 24 hours, most unusual first', async () => {
    const machine = await one(`
      select f.equipment_id, count(*) as anomalies, max(p.score) as top_score
      from ml.predictions_sensor_anomaly as p join features.ml_anomaly_features as f using (reading_id)
      where p.is_anomaly group by 1 order by anomalies desc, 1 limit 1`);
    const answer = await agent.ask(`Were there any sensor anomalies on ${machine.equipment_id}?`);
    expect(answer.agents).toEqual(['ml']);
    const call = only(answer);
    expect([call.tool, call.args.equipment_id]).toEqual(['sensor_anomalies', machine.equipment_id]);
    expect(call.rows.length).toBe(Math.min(10, machine.anomalies as number));
    expect(call.rows[0]!.anomaly_score).toBe(round(machine.top_score as number, 4));
    expect(call.rows.every((r) => r.anomalies_24h === machine.anomalies && r.equipment_id === machine.equipment_id)).toBe(true);
    expect(answer.answer).toContain(`anomalies_24h: ${machine.anomalies}`);
  });

  it('predicts a batch’s quality with ml_predict, with the same class and top-3 contributions as scoring wrote', async () => {
    const scored = await one(`
      select batch_id, predicted_class, probability, contributions from ml.predictions_defect_class
      where predicted_class <> 'Good' order by batch_id limit 1`);
    const answer = await agent.ask(`Predict the quality of batch ${scored.batch_id}`);
    const call = only(answer);
    expect([call.tool, call.args]).toEqual(['predict_batch_quality', { batch_id: scored.batch_id }]);
    const got = call.rows[0]!;
    expect(got.predicted_class).toBe(scored.predicted_class);
    expect(got.probability).toBeCloseTo(scored.probability as number, 4);
    expect(JSON.parse(got.contributions as string)).toEqual(JSON.parse(scored.contributions as string));
    expect(answer.answer).toContain(`predicted_class: ${scored.predicted_class}`);
  });
});

describe('the Analytics agent', () => {
  /** A machine's figures over the last `days` days before as_of and the `days` before them, from the facts. */
  const period = (id: string, days: number, previous: boolean) => {
    const range = (column: string) =>
      previous
        ? `${column} > (select last_day from bounds) - ${2 * days} and ${column} <= (select last_day from bounds) - ${days}`
        : `${column} > (select last_day from bounds) - ${days} and ${column} <= (select last_day from bounds)`;
    return one(`
      with bounds as (select cast(max(as_of) as date) as last_day from marts.mart_equipment_health)
      select
        (select sum(p.running_minutes) / sum(p.observed_minutes - p.maintenance_minutes)
           from marts.fact_production_metrics as p join marts.dim_date as d using (date_key)
           where p.equipment_id = '${id}' and ${range('d.calendar_date')}) as uptime,
        (select avg(temperature) from marts.fact_sensor_readings
           where equipment_id = '${id}' and ${range('cast(reading_ts as date)')}) as temperature,
        (select sum(batches - good_batches) / sum(batches) from marts.mart_quality_dashboard
           where equipment_id = '${id}' and ${range('calendar_date')}) as defect_rate`);
  };

  it('answers the reference’s performance_trend request (CNC-A-102, last 30 days) with uptime, temperature and defect rate', async () => {
    const answer = await agent.ask('Show the performance trend of CNC-A-102 over the last_30_days');
    expect(answer.agents).toEqual(['analytics']);
    const call = only(answer);
    expect([call.tool, call.args]).toEqual(['equipment_performance', { equipment_id: 'CNC-A-102', days: 30 }]);
    const expected = await period('CNC-A-102', 30, false);
    const got = call.rows[0]!;
    expect(got.avg_uptime_pct).toBe(round(100 * (expected.uptime as number), 1));
    expect(got.avg_temperature_c).toBe(round(expected.temperature as number, 1));
    expect(got.defect_rate_pct).toBe(round(100 * (expected.defect_rate as number), 1));
    expect(answer.answer).toContain(
      `avg_uptime_pct: ${spelled(got.avg_uptime_pct as number)}, avg_temperature_c: ${spelled(got.avg_temperature_c as number)}, defect_rate_pct: ${spelled(got.defect_rate_pct as number)}`,
    );
    // The data holds three weeks: no 30 days before these to compare with, and the answer says so.
    const before = await period('CNC-A-102', 30, true);
    expect(before.uptime).toBeNull();
    expect(got.uptime_change_pts).toBeNull();
    expect(got.insights).toBe('No previous period in the data to compare with');
  });

  it('compares the last 7 days with the 7 before: changes and insights from the same figures', async () => {
    const answer = await agent.ask('Performance trend of CNC-A-102 over the last 7 days vs the week before');
    const call = only(answer);
    expect([call.tool, call.args]).toEqual(['equipment_performance', { equipment_id: 'CNC-A-102', days: 7 }]);
    const [now, before] = [await period('CNC-A-102', 7, false), await period('CNC-A-102', 7, true)] as Record<string, number>[];
    const changes = {
      uptime: 100 * (now!.uptime! - before!.uptime!),
      temperature: (100 * (now!.temperature! - before!.temperature!)) / before!.temperature!,
      defects: 100 * (now!.defect_rate! - before!.defect_rate!),
    };
    const got = call.rows[0]!;
    expect(got.avg_uptime_pct).toBe(round(100 * now!.uptime!, 1));
    expect(got.uptime_change_pts).toBe(round(changes.uptime, 1));
    expect(got.temperature_change_pct).toBe(round(changes.temperature, 1));
    expect(got.defect_rate_change_pts).toBe(round(changes.defects, 1));
    const insights = String(got.insights);
    expect(insights.includes('Uptime fell')).toBe(changes.uptime < -1);
    expect(insights.includes('inspect the cooling system')).toBe(changes.temperature > 2 && changes.defects > 0);
    expect(answer.answer).toContain(`uptime_change_pts: ${spelled(got.uptime_change_pts as number)}`);
  });

  it('ranks machines by downtime over the last week', async () => {
    const answer = await agent.ask('Which machines had the most downtime last week?');
    const call = only(answer);
    expect([call.tool, call.args.days]).toEqual(['downtime_ranking', 7]);
    const top = await one(`
      with bounds as (select cast(max(as_of) as date) as last_day from marts.mart_equipment_health)
      select p.equipment_id, round(sum(p.downtime_minutes) / 60.0, 1) as hours
      from marts.fact_production_metrics as p join marts.dim_date as d using (date_key)
      where d.calendar_date > (select last_day from bounds) - 7
      group by 1 order by hours desc, 1 limit 1`);
    expect([call.rows[0]!.equipment_id, call.rows[0]!.downtime_hours]).toEqual([top.equipment_id, top.hours]);
  });
});

describe('the Forecasting agent', () => {
  const forecastOf = (id: string) =>
    query(`
      select f.ts, round(f.value, 2) as value, round(f.lower_95, 2) as lower_95, round(f.upper_95, 2) as upper_95, v.threshold, v.severity
      from ml.forecasts_equipment_metrics as f
      left join ml.forecast_violations_equipment_metrics as v using (equipment_id, metric, ts)
      where f.equipment_id = '${id}' and f.metric = 'temperature_mean' order by f.ts`);

  it('answers the reference’s request (CNC-A-102, temperature, 24 hours) with hourly values and 95 % intervals', async () => {
    const answer = await agent.ask('Forecast the temperature of CNC-A-102 for the next 24 hours');
    expect(answer.agents).toEqual(['forecasting']);
    const call = only(answer);
    expect([call.tool, call.args]).toEqual(['metric_forecast', { equipment_id: 'CNC-A-102', metric: 'temperature', hours: 24 }]);
    const expected = await forecastOf('CNC-A-102');
    expect(expected).toHaveLength(24);
    expect(
      call.rows.map(({ ts, value, lower_95, upper_95, threshold, severity }) => ({ ts, value, lower_95, upper_95, threshold, severity })),
    ).toEqual(expected);
    const values = expected.map((r) => r.value as number);
    expect(call.rows[0]!.peak_value).toBe(Math.max(...values));
    expect(answer.answer).toContain(`value: ${spelled(values[0]!)}, lower_95: ${spelled(expected[0]!.lower_95 as number)}`);
  });

  it('names the first predicted threshold violation and recommends watching it', async () => {
    const machine = await one(`
      select equipment_id, count(*) as hours, min(ts) as first_at, arg_min(severity, ts) as severity, arg_min(threshold, ts) as threshold
      from ml.forecast_violations_equipment_metrics where metric = 'temperature_mean'
      group by 1 order by hours desc, 1 limit 1`);
    const answer = await agent.ask(`What will the temperature of ${machine.equipment_id} be in the next 24 hours?`);
    const call = only(answer);
    expect(call.tool).toBe('metric_forecast');
    expect(call.rows.filter((r) => r.severity !== null)).toHaveLength(machine.hours as number);
    const at = new Date(machine.first_at as string).toISOString().slice(0, 16).replace('T', ' ');
    expect(call.rows[0]!.recommendation).toBe(
      `Monitor temperature closely: predicted to exceed the ${machine.severity} threshold of ${(machine.threshold as number).toFixed(1)} at ${at} UTC`,
    );
    expect(answer.answer).toContain(`violations: ${machine.hours}`);
  });
});

describe('routing between the factory agents', () => {
  it('answers "Is CNC-A-102 at risk, and what will its temperature be tomorrow?" once, from the ML and Forecasting agents', async () => {
    const answer = await agent.ask('Is CNC-A-102 at risk, and what will its temperature be tomorrow?');
    expect(answer.agents).toEqual(['ml', 'forecasting']);
    expect(answer.routing.method).toBe('keywords');
    expect(answer.calls.map((c) => [c.tool, c.args.equipment_id])).toEqual([
      ['failure_risk', 'CNC-A-102'],
      ['metric_forecast', 'CNC-A-102'],
    ]);
    const risk = await one(
      `select round(failure_probability, 4) as p, risk_level from marts.mart_predictive_maintenance where equipment_id = 'CNC-A-102'`,
    );
    const mean = await one(
      `select round(avg(value), 2) as mean from ml.forecasts_equipment_metrics where equipment_id = 'CNC-A-102' and metric = 'temperature_mean'`,
    );
    expect(answer.answer).toContain(`[ml] Is CNC-A-102 at risk\n`);
    expect(answer.answer).toContain(`failure_probability: ${spelled(risk.p as number)}, risk_level: ${risk.risk_level}`);
    expect(answer.answer).toContain(`\n\n[forecasting] what will its temperature be tomorrow (CNC-A-102)\n`);
    expect(answer.answer).toContain(`mean_next_hours: ${spelled(mean.mean as number)}`);
  });
});
