/**
 * What a built examples/factory answers beyond its tables, on whichever engine its manifest
 * targets: every agent tool (each SQL tool with its defaults and with other arguments, the
 * ml_predict tool), every endpoint (predict for each machine and prediction type, forecast,
 * analytics over two ranges) and every dashboard, so test/trino-examples.test.ts can hold the
 * DuckDB build's answers against the Trino build's.
 */
import { Agent } from '../framework/agent/agent.js';
import type { Manifest } from '../framework/compile/manifest.js';
import { dashboardByName } from '../framework/docs/dashboards.js';
import { Endpoints } from '../framework/serve/endpoints.js';

export interface Answer {
  what: string;
  answer: unknown;
}

/** Each tool with other arguments than its defaults (a machine, a period, a metric, a limit past the rows). */
function toolCalls(machine: string, batch: string): [string, Record<string, unknown>][] {
  return [
    ['equipment_performance', { equipment_id: machine, days: 7 }],
    ['oee_ranking', { days: 30, limit: 100 }],
    ['plant_comparison', { days: 30 }],
    ['downtime_ranking', { days: 30, limit: 100 }],
    ['defect_rates', { days: 3, limit: 100 }],
    ['defect_causes', { equipment_id: machine, days: 10 }],
    ['daily_production', { equipment_id: machine, days: 30 }],
    ['metric_forecast', { equipment_id: machine, metric: 'vibration', hours: 6 }],
    ['predicted_violations', { equipment_id: machine }],
    ['riskiest_equipment', { limit: 100 }],
    ['maintenance_recommendations', { limit: 100 }],
    ['sensor_anomalies', { equipment_id: machine, limit: 200 }],
    ['quality_predictions', { equipment_id: machine, limit: 200 }],
    ['predict_batch_quality', { batch_id: batch }],
  ];
}

/**
 * Every SQL and ml_predict tool of every agent called with its defaults (those that take a
 * machine, for each of `machines`), then with the arguments of toolCalls: the call's outcome and rows.
 */
export async function toolAnswers(manifest: Manifest, machines: string[], batch: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const settings of Object.values(manifest.agents)) {
    const agent = new Agent(manifest, { chatModel: null, embeddings: null, agent: settings.name });
    try {
      for (const tool of settings.tools.filter((t) => t.node !== null && (t.builtin === null || t.builtin === 'ml_predict'))) {
        const node = manifest.nodes[tool.node!]!;
        const required = 'parameters' in node ? ((node.parameters.required as string[] | undefined) ?? []) : [];
        const defaults = required.includes('equipment_id')
          ? machines.map((m) => ({ equipment_id: m }))
          : required.includes('batch_id')
            ? [{ batch_id: batch }]
            : [{}];
        const others = toolCalls(machines[0]!, batch).filter(([name]) => name === tool.name);
        for (const args of [...defaults, ...others.map(([, a]) => a)]) {
          const call = await agent.callTool(tool.name, args);
          answers.push({
            what: `${settings.name}.${tool.name} ${JSON.stringify(args)}`,
            answer: { ok: call.ok, error: call.error, columns: call.columns, rows: call.rows },
          });
        }
      }
    } finally {
      await agent.close();
    }
  }
  return answers;
}

/** Every endpoint's answer for each machine (stream endpoints produce to Kafka: left out), then every dashboard. */
export async function servingAnswers(manifest: Manifest, machines: string[], now: Date): Promise<Answer[]> {
  const endpoints = new Endpoints(manifest, { env: {} });
  const answers: Answer[] = [];
  const ask = async (what: string, name: string, input: Record<string, unknown>) => {
    try {
      answers.push({ what, answer: withoutTimes(await endpoints.call(name, input)) });
    } catch (error) {
      answers.push({ what, answer: { error: error instanceof Error ? error.message : String(error) } });
    }
  };
  try {
    for (const machine of machines) {
      for (const type of ['failure_risk', 'anomaly', 'quality'])
        await ask(`predict ${machine} ${type}`, 'predict', { equipment_id: machine, prediction_type: type });
      for (const metric of ['temperature', 'vibration'])
        await ask(`forecast ${machine} ${metric}`, 'forecast', { equipment_id: machine, metric });
    }
    for (const machine of machines.slice(0, 3))
      for (const range of ['last_7_days', 'last_24_hours'])
        await ask(`analytics ${machine} ${range}`, 'analytics', {
          equipment_id: machine,
          analysis_type: 'performance_trend',
          time_range: range,
        });
    for (const name of Object.keys(manifest.dashboards)) {
      const data = await endpoints.data.use((snapshot) => dashboardByName(manifest, snapshot.connection, name, now));
      answers.push({ what: `dashboard ${name}`, answer: data });
    }
  } finally {
    await endpoints.close();
  }
  return answers;
}

/**
 * An answer without the times that say when, not what: when the serving data was read
 * (data_as_of) and when each engine scored (scored_at).
 */
function withoutTimes(answer: Record<string, unknown>): Record<string, unknown> {
  const { data_as_of: _read, scored_at: _scored, ...rest } = answer;
  return rest;
}
