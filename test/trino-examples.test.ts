/**
 * The example projects on the real two-node cluster: built from the same files on DuckDB and on
 * Trino + Iceberg (a `targets:` entry picked by name; sources from their generators and files,
 * landed on Trino as Parquet files that Iceberg registers), at the same clock, their marts hold
 * the same rows: compared both ways as multisets, doubles rounded to cents, times as instants.
 * The models train on each engine; then the versions DuckDB trained are promoted again and
 * Trino scores with them, so both engines' predictions (equal to 1e-9) and the marts that read
 * them come from the same trained models. On the factory, the agents' tools, the endpoints
 * (predict, forecast, analytics) and the dashboards then answer alike on both (test/trino-answers.ts).
 */
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { Manifest, MlScoreNode, ModelNode } from '../framework/compile/manifest.js';
import { build, compileProjectDir } from '../framework/index.js';
import { request } from '../framework/warehouse/trino/protocol.js';
import { rowObjects } from '../framework/warehouse/trino/values.js';
import { copyProject, queryDb, repoRoot } from './helpers.js';
import { servingAnswers, toolAnswers } from './trino-answers.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

const url = inject('trinoUrl');
const files = inject('trinoFiles');
// The end of the factory's data: scoring reads each machine's latest snapshot, which must lie before it.
const now = () => new Date('2026-11-23T00:00:00.000Z');

/** A value as both engines must agree on it. */
function comparable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  // Last-bit noise of sums in another order (57.48499999… against 57.4850000…1) is dropped before rounding to cents.
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(Number(value.toPrecision(12)) * 100) / 100;
  // JSON text a mart carries (a prediction's contributions, with the feature values) holds doubles too.
  const json = typeof value === 'string' && /^[[{]/.test(value) ? parsed(value) : value;
  if (typeof json === 'object' && json !== null && typeof value === 'string') return JSON.stringify(comparable(json));
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

/** JSON text as its value; other text as it is. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows as JSON lines of comparable values. */
const multiset = (rows: Record<string, unknown>[]) =>
  rows.map((row) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, comparable(v)]))).sort();

/** `a` EXCEPT ALL `b`: each line of `b` takes away one equal line of `a`. */
function except(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const line of b) left.set(line, (left.get(line) ?? 0) + 1);
  return a.filter((line) => {
    const n = left.get(line) ?? 0;
    if (n > 0) left.set(line, n - 1);
    return n === 0;
  });
}

/** Each model's promoted.json in the project's registry, by model. */
function promotions(dir: string): Map<string, string> {
  const root = join(dir, 'target/ml');
  return new Map(
    readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => [e.name, readFileSync(join(root, e.name, 'promoted.json'), 'utf8')]),
  );
}

/** Numbers equal to 1e-9 (relative above 1), in values and in JSON text; anything else exactly. */
function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  if (typeof a === 'string' && typeof b === 'string' && a.startsWith('[') && b.startsWith('['))
    return a === b || close(JSON.parse(a), JSON.parse(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => close(v, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Date) && !(b instanceof Date)) {
    const keys = Object.keys(a);
    const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
    return keys.length === Object.keys(b).length && keys.every((k) => close(x[k], y[k]));
  }
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

/** Rows in an order both engines share: by every value that is not a fraction. */
function ordered(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (row: Record<string, unknown>) =>
    JSON.stringify(Object.values(row).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? null : comparable(v))));
  return rows
    .map((row) => ({ row, key: key(row) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map((x) => x.row);
}

type Rows = (relation: { schema: string; name: string }) => Promise<Record<string, unknown>[]>;

const failures = (results: Awaited<ReturnType<typeof build>>) =>
  results.results
    .filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'skipped')
    .map((r) => `${r.name}: ${r.error?.message ?? r.status}`);

/** A copy of an example with a `cluster` target on the test cluster, and how to read a relation on each engine. */
function onBothEngines(example: string) {
  const dir = copyProject(join(repoRoot, example));
  const target = trinoTestTarget(url!, files, `${example.replace(/\W/g, '').slice(-6)}${Date.now().toString(36)}`);
  const landing = target.landing ? `, landing: { folder: "${target.landing.folder}", location: "${target.landing.location}" }` : '';
  appendFileSync(
    join(dir, 'plat_project.yml'),
    `\ntargets:\n  cluster: { type: trino, url: "${target.url}", catalog: iceberg, schema_prefix: ${target.schemaPrefix}${landing} }\n`,
  );
  const server = { url: target.url, user: target.user, catalog: target.catalog };
  const onTrino: Rows = async (relation) => {
    const answer = await request(server, `select * from iceberg."${target.schemaPrefix}_${relation.schema}"."${relation.name}"`);
    return rowObjects(answer.columns, answer.rows);
  };
  const onDuckDB: Rows = (relation) => queryDb(dir, `select * from "${relation.schema}"."${relation.name}"`);
  const cleanUp = async () => {
    await dropTrinoSchemas(target);
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, onTrino, onDuckDB, cleanUp };
}

/** Builds on DuckDB, then on Trino (where every model trains too) up to the scoring, which then runs on Trino with DuckDB's versions. */
async function buildOnBoth(dir: string, models: string[]) {
  const onDuckDB = compileProjectDir({ projectDir: dir, env: {} }, false);
  const onTrino = compileProjectDir({ projectDir: dir, env: {}, target: 'cluster' }, false);
  expect(onTrino.diagnostics.filter((d) => d.code === 'DIALECT_SYNTAX')).toEqual([]);
  const onDuckDBResults = await build(onDuckDB.manifest, { env: {}, now, threads: 2 });
  expect(failures(onDuckDBResults)).toEqual([]);
  const trainedOnDuckDB = promotions(dir);
  expect([...trainedOnDuckDB.keys()]).toEqual(models);
  // Every model trains on Trino too (its fingerprint hashes differ, so each trains anew)…
  // Scoring waits for the versions DuckDB trained: scoring with Trino's own first would only be
  // replaced (on the factory, minutes of the cluster's time).
  const onTrinoResults = await build(onTrino.manifest, { env: {}, now, threads: 4, exclude: ['resource_type:ml_score+'] });
  expect(failures(onTrinoResults)).toEqual([]);
  const trainedOnTrino = onTrinoResults.results.filter((r) => onTrino.manifest.nodes[r.uniqueId]!.kind === 'ml_train');
  expect(trainedOnTrino.map((r) => [r.name, r.ml?.trained]).sort()).toEqual(models.map((name) => [name, true]));
  // …then scores with the versions DuckDB trained, and builds what reads the predictions.
  for (const [model, promoted] of trainedOnDuckDB) writeFileSync(join(dir, 'target/ml', model, 'promoted.json'), promoted);
  expect(failures(await build(onTrino.manifest, { env: {}, now, threads: 4, select: ['resource_type:ml_score+'] }))).toEqual([]);
  return { manifest: onDuckDB.manifest, results: onDuckDBResults };
}

/** Each scored relation whose rows differ between the engines beyond 1e-9, with its first differing row. */
async function predictionDifferences(manifest: Manifest, onDuckDB: Rows, onTrino: Rows): Promise<string[]> {
  const scoring = Object.values(manifest.nodes).filter((n): n is MlScoreNode => n.kind === 'ml_score');
  const differences: string[] = [];
  for (const relation of scoring.flatMap((n) => [n.relation, ...(n.violations ? [n.violations] : [])])) {
    const [duck, trino] = [ordered(await onDuckDB(relation)), ordered(await onTrino(relation))];
    expect(duck.length, relation.name).toBeGreaterThan(0);
    if (duck.length !== trino.length) differences.push(`${relation.name}: ${duck.length} rows on DuckDB, ${trino.length} on Trino`);
    const differ = duck.findIndex((row, i) => !close(row, trino[i]));
    if (differ >= 0) differences.push(`${relation.name}: ${JSON.stringify(duck[differ])} against ${JSON.stringify(trino[differ])}`);
  }
  return differences;
}

/**
 * The factory's agent tools, endpoints and dashboards (test/trino-answers.ts) that answer
 * otherwise on Trino than on DuckDB, each with both answers; and the tool calls that failed.
 */
async function answerDifferences(dir: string, manifest: Manifest): Promise<string[]> {
  const trinoManifest = compileProjectDir({ projectDir: dir, env: {}, target: 'cluster' }, false).manifest;
  // The machines the failure model scored (their factors are worded in SQL), and two others.
  const machines = (
    await queryDb(
      dir,
      `select equipment_id from (select distinct f.equipment_id from ml.predictions_failure_within_7_days as p
         join features.ml_failure_features as f using (snapshot_id)) union (select equipment_id from marts.dim_equipment order by 1 limit 2)
       order by 1`,
    )
  ).map((r) => String(r.equipment_id));
  const all = (await queryDb(dir, 'select equipment_id from marts.dim_equipment order by 1')).map((r) => String(r.equipment_id));
  const [batch] = await queryDb(dir, 'select batch_id from marts.fact_quality_inspections order by inspected_at desc, batch_id limit 1');
  const onDuckDB = [...(await toolAnswers(manifest, machines, String(batch!.batch_id))), ...(await servingAnswers(manifest, all, now()))];
  const onTrino = [
    ...(await toolAnswers(trinoManifest, machines, String(batch!.batch_id))),
    ...(await servingAnswers(trinoManifest, all, now())),
  ];
  expect(onTrino.map((a) => a.what)).toEqual(onDuckDB.map((a) => a.what));
  const tools = Object.values(manifest.nodes).filter((n) => n.kind === 'agent_tool' && (n.compiledSql !== null || n.predict !== null));
  expect(new Set(onDuckDB.filter((a) => a.what.includes('.')).map((a) => a.what.split(' ')[0]!.split('.')[1]))).toEqual(
    new Set(tools.map((t) => t.name)),
  );
  const failed = (answers: typeof onDuckDB) =>
    answers.filter((a) => (a.answer as { ok?: boolean }).ok === false).map((a) => `${a.what}: ${(a.answer as { error: string }).error}`);
  const differences = [...failed(onDuckDB), ...failed(onTrino)];
  onDuckDB.forEach((duck, i) => {
    const [a, b] = [JSON.stringify(comparable(duck.answer)), JSON.stringify(comparable(onTrino[i]!.answer))];
    if (a !== b) differences.push(`${duck.what}: ${a.slice(0, 400)} against ${b.slice(0, 400)}`);
  });
  return differences;
}

/** The marts (tables under models/marts the DuckDB build built) whose rows differ between the engines. */
async function martDifferences(manifest: Manifest, results: Awaited<ReturnType<typeof build>>, onDuckDB: Rows, onTrino: Rows) {
  const built = new Set(results.results.map((r) => r.uniqueId));
  const marts = Object.values(manifest.nodes).filter(
    (n): n is ModelNode =>
      n.kind === 'model' && n.folder.startsWith('marts') && n.config.materialized !== 'ephemeral' && built.has(n.uniqueId),
  );
  expect(marts.length).toBeGreaterThan(3);
  const differences: { mart: string; onlyTrino: string[]; onlyDuckDB: string[] }[] = [];
  for (const mart of marts) {
    const [duck, trino] = [multiset(await onDuckDB(mart.relation)), multiset(await onTrino(mart.relation))];
    const [onlyTrino, onlyDuckDB] = [except(trino, duck), except(duck, trino)];
    if (onlyTrino.length || onlyDuckDB.length)
      differences.push({ mart: mart.name, onlyTrino: onlyTrino.slice(0, 3), onlyDuckDB: onlyDuckDB.slice(0, 3) });
  }
  return differences;
}

describe.skipIf(!url)('the example projects on Trino + Iceberg', () => {
  it('builds examples/factory on both engines from the same files: its four models train on both, score and build marts alike, and its tools, endpoints and dashboards answer alike', async () => {
    const { dir, onDuckDB, onTrino, cleanUp } = onBothEngines('examples/factory');
    try {
      const { manifest, results } = await buildOnBoth(dir, [
        'defect_class',
        'equipment_metrics',
        'failure_within_7_days',
        'sensor_anomaly',
      ]);
      expect(await predictionDifferences(manifest, onDuckDB, onTrino)).toEqual([]);
      expect(await martDifferences(manifest, results, onDuckDB, onTrino)).toEqual([]);
      expect(await answerDifferences(dir, manifest)).toEqual([]);
    } finally {
      await cleanUp();
    }
  }, 2_100_000);

  it('builds project/ (the e-commerce example) on both engines from the same files: purchase_propensity trains on both, and scores and builds marts alike', async () => {
    const { dir, onDuckDB, onTrino, cleanUp } = onBothEngines('project');
    try {
      const { manifest, results } = await buildOnBoth(dir, ['purchase_propensity']);
      expect(await predictionDifferences(manifest, onDuckDB, onTrino)).toEqual([]);
      expect(await martDifferences(manifest, results, onDuckDB, onTrino)).toEqual([]);
    } finally {
      await cleanUp();
    }
  }, 1_500_000);
});
