import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, compileProject, readProjectFiles, type RunResults } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { computeMetrics, rocAuc } from '../framework/ml/metrics.js';
import { Registry } from '../framework/ml/registry.js';
import { predictOne } from '../framework/ml/score.js';
import { compileDir, queryDb, writeProject } from './helpers.js';

describe('metrics', () => {
  it('match hand-computed values on six rows', () => {
    const actual = [1, 0, 1, 1, 0, 0];
    const p = [0.9, 0.4, 0.35, 0.8, 0.1, 0.6].map((q) => [1 - q, q]);
    const m = computeMetrics(actual, p, 2, ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'confusion_matrix']);
    expect(m.confusion_matrix).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 10);
    expect(m.precision).toBeCloseTo(2 / 3, 10);
    expect(m.recall).toBeCloseTo(2 / 3, 10);
    expect(m.f1).toBeCloseTo(2 / 3, 10);
    expect(m.roc_auc).toBeCloseTo(7 / 9, 10);
    expect(m.log_loss).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8) + Math.log(0.9) + Math.log(0.4)) / 6,
      10,
    );
  });

  it('counts ties as half in ROC-AUC', () => {
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.9, 0.1])).toBeCloseTo(0.875, 10);
  });
});

// 400 people; the label mostly follows x1 (plus deterministic noise), cat carries a little.
const peopleSql = (rows: number) => `{{config materialized="table"}}
select range as id, (range % 10)::double as x1, ((range * 37) % 11)::double as x2,
       ['a', 'b', 'c'][1 + (range % 3)::int] as cat,
       ((range % 10) + ((range * 7) % 5)) >= 7 as label
from range(${rows})`;

function mlProject(options: { rows?: number; extraFeatures?: string; model?: string } = {}) {
  return writeProject({
    'plat_project.yml': 'name: mlp\n',
    'models/people.sql': peopleSql(options.rows ?? 400),
    'models/likely.sql': 'select id, probability from {{ref "predictions_people_model"}} where predicted_class',
    'ml/people.yml': `feature_sets:
  - name: people_features
    entity: id
    ref: people
    features:
      - { name: x1, transforms: [standardize] }
      - { name: x2, transforms: [standardize] }
      - { name: cat, type: categorical, transforms: [one_hot] }
${options.extraFeatures ?? ''}
models:
  - name: people_model
    feature_set: people_features
    label: { column: label }
    task: binary
    algorithm: { name: logistic_regression, learning_rate: 0.5, iterations: 200 }
    split: { test_fraction: 0.25, seed: 3 }
${options.model ?? '    min_rows: 100\n    promote_if: roc_auc >= 0.7\n'}
scoring:
  - model: people_model
`,
  });
}

const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));

describe('ML training and scoring', () => {
  it('trains, promotes, scores every entity, and SQL models can ref the predictions', async () => {
    const dir = mlProject();
    const results = byName(await build(compileDir(dir), { env: {} }));
    expect(results.people_model).toMatchObject({
      status: 'success',
      kind: 'ml_train',
      ml: { version: 'v1', trained: true, promoted: true },
    });
    expect(results.people_model!.ml!.metrics.roc_auc as number).toBeGreaterThan(0.8);
    expect(results.predictions_people_model).toMatchObject({ status: 'success', rows: 400, relation: 'ml.predictions_people_model' });
    expect(results.likely!.status).toBe('success');
    const rows = await queryDb(dir, 'select p.*, x1, x2, cat from ml.predictions_people_model p join main.people using (id) order by id');
    expect(Object.keys(rows[0]!).slice(0, 5)).toEqual(['id', 'probability', 'predicted_class', 'model_version', 'scored_at']);
    const version = new Registry(join(dir, 'target/ml')).promotedVersion('people_model')!;
    for (const row of rows.slice(0, 25)) {
      const js = predictOne(version, row);
      expect(row.probability as number).toBeCloseTo(js.probability, 9);
      expect(row.predicted_class).toBe(js.predicted_class);
    }
    expect(await queryDb(dir, 'select count(*) as n from main.likely')).toEqual([
      { n: BigInt(rows.filter((r) => r.predicted_class).length) },
    ]);
  });

  it('retrains only when the data or the spec changed', async () => {
    const dir = mlProject();
    await build(compileDir(dir), { env: {} });
    const again = byName(await build(compileDir(dir), { env: {} }));
    expect(again.people_model!.ml).toMatchObject({ version: 'v1', trained: false });
    // Differences in the last bits (a parallel sum is not bit-for-bit stable between builds) are not new data.
    writeFileSync(join(dir, 'models/people.sql'), peopleSql(400).replace('::double as x1', '::double * (1 + 1e-15) as x1'));
    expect(byName(await build(compileDir(dir), { env: {} })).people_model!.ml).toMatchObject({ version: 'v1', trained: false });
    writeFileSync(join(dir, 'models/people.sql'), peopleSql(500));
    expect(byName(await build(compileDir(dir), { env: {} })).people_model!.ml).toMatchObject({ version: 'v2', trained: true });
    writeFileSync(
      join(dir, 'ml/people.yml'),
      readFileSync(join(dir, 'ml/people.yml'), 'utf8').replace('iterations: 200', 'iterations: 150'),
    );
    expect(byName(await build(compileDir(dir), { env: {} })).people_model!.ml).toMatchObject({ version: 'v3', trained: true });
  });

  it('gives the same model and metrics for the same data, spec and seed', async () => {
    const first = mlProject();
    const second = mlProject();
    await build(compileDir(first), { env: {} });
    await build(compileDir(second), { env: {} });
    const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, 'target/ml/people_model/v1', file), 'utf8'));
    expect(read(first, 'model.json').trained).toEqual(read(second, 'model.json').trained);
    expect(read(first, 'metrics.json')).toEqual(read(second, 'metrics.json'));
  });

  it('skips training below min_rows, and scoring leaves an empty predictions table with its columns, so what reads it builds', async () => {
    const dir = mlProject({ model: '    min_rows: 1000\n' });
    const results = await build(compileDir(dir), { env: {} });
    expect(results.notes).toContain('ml people_model: only 400 training rows (min_rows 1000); not trained, no version is promoted yet');
    const byNode = byName(results);
    expect(byNode.people_model).toMatchObject({ status: 'success', action: 'skipped: 400 rows < min_rows 1000' });
    expect(byNode.predictions_people_model).toMatchObject({
      status: 'success',
      rows: 0,
      action: 'no trained version of people_model yet: empty',
    });
    expect(byNode.likely!.status).toBe('success');
    expect(await queryDb(dir, 'select count(*) as n from main.likely')).toEqual([{ n: 0n }]);
    const columns = await queryDb(
      dir,
      "select column_name, data_type from information_schema.columns where table_name = 'predictions_people_model' order by ordinal_position",
    );
    expect(columns.map((c) => [c.column_name, c.data_type])).toEqual([
      ['id', 'BIGINT'],
      ['probability', 'DOUBLE'],
      ['predicted_class', 'BOOLEAN'],
      ['model_version', 'VARCHAR'],
      ['scored_at', 'TIMESTAMP WITH TIME ZONE'],
      ['contributions', 'VARCHAR'],
    ]);
  });

  it('skips training when every label has one value (no failure seen yet), and scoring leaves the empty table', async () => {
    const dir = mlProject();
    writeFileSync(join(dir, 'models/people.sql'), peopleSql(400).replace('>= 7 as label', '>= 100 as label'));
    const results = await build(compileDir(dir), { env: {} });
    expect(results.notes).toContain('ml people_model: every training row has label false; not trained, no version is promoted yet');
    const byNode = byName(results);
    expect(byNode.people_model).toMatchObject({ status: 'success', action: 'skipped: one label value' });
    expect(byNode.predictions_people_model).toMatchObject({ status: 'success', rows: 0 });
    expect(byNode.likely!.status).toBe('success');
  });

  it('keeps a candidate that fails promote_if without promoting it, and scoring keeps the promoted one', async () => {
    const dir = mlProject();
    await build(compileDir(dir), { env: {} });
    writeFileSync(join(dir, 'models/people.sql'), peopleSql(480));
    writeFileSync(
      join(dir, 'ml/people.yml'),
      readFileSync(join(dir, 'ml/people.yml'), 'utf8').replace('roc_auc >= 0.7', 'roc_auc >= 0.999'),
    );
    const results = await build(compileDir(dir), { env: {} });
    expect(results.notes.find((n) => n.startsWith('ml people_model: v2 kept but not promoted'))).toContain('scoring keeps v1');
    expect(byName(results).predictions_people_model).toMatchObject({ status: 'success', action: 'scored with v1' });
    const registry = new Registry(join(dir, 'target/ml'));
    expect([registry.versions('people_model'), registry.promoted('people_model')]).toEqual([['v1', 'v2'], 'v1']);
  });

  it('warns when one feature alone separates the label', async () => {
    const dir = mlProject({ extraFeatures: '      - { name: label_copy }\n' });
    writeFileSync(
      join(dir, 'models/people.sql'),
      peopleSql(400).replace(' as label\n', ' as label, (((range % 10) + ((range * 7) % 5)) >= 7)::int as label_copy\n'),
    );
    const results = await build(compileDir(dir), { env: {} });
    expect(
      results.notes.some((n) =>
        n.startsWith('ml people_model: possible label leakage: feature label_copy alone separates the label (ROC-AUC 1.000)'),
      ),
    ).toBe(true);
  });

  it('points at the spec line of an unknown feature or label column', async () => {
    const unknown = mlProject({ extraFeatures: '      - { name: x3 }\n' });
    const failed = byName(await build(compileDir(unknown), { env: {} })).people_model!;
    expect(failed.error).toMatchObject({
      file: 'ml/people.yml',
      line: 9,
      message: 'feature set people_features has no column x3 (it returns id, x1, x2, cat, label)',
    });
    const noLabel = mlProject();
    writeFileSync(
      join(noLabel, 'ml/people.yml'),
      readFileSync(join(noLabel, 'ml/people.yml'), 'utf8').replace('column: label', 'column: outcome'),
    );
    const missing = byName(await build(compileDir(noLabel), { env: {} })).people_model!;
    expect(missing.error).toMatchObject({
      file: 'ml/people.yml',
      line: 13,
      message: 'label column outcome is not in feature set people_features (it returns id, x1, x2, cat, label)',
    });
  });

  it('reports spec mistakes at compile time with file, line and a hint', () => {
    const dir = mlProject();
    writeFileSync(
      join(dir, 'ml/people.yml'),
      readFileSync(join(dir, 'ml/people.yml'), 'utf8').replace('feature_set: people_features', 'feature_set: people_feature'),
    );
    const second = mlProject();
    writeFileSync(
      join(second, 'ml/people.yml'),
      readFileSync(join(second, 'ml/people.yml'), 'utf8')
        .replace('label: { column: label }', 'label: { column: label, expression: "x1 > 5" }')
        .replace('roc_auc >= 0.7', 'auc is good'),
    );
    expect(compileProject(readProjectFiles(second), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'ml/people.yml:13:12 — model people_model: label needs exactly one of column:, expression: or sql:',
      'ml/people.yml:21:12 — scoring: model "people_model" has errors (reported above), so it cannot be scored',
    ]);
    expect(compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'ml/people.yml:12:18 — model people_model: no feature set "people_feature" — did you mean "people_features"?',
      'ml/people.yml:21:12 — scoring: model "people_model" has errors (reported above), so it cannot be scored',
    ]);
    writeFileSync(
      join(dir, 'ml/people.yml'),
      readFileSync(join(dir, 'ml/people.yml'), 'utf8')
        .replace('feature_set: people_feature', 'feature_set: people_features')
        .replace('- model: people_model', '- model: people_modl'),
    );
    expect(compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'models/likely.sql:1:29 — unknown ref "predictions_people_model" — did you mean "predictions_people_modl"?',
      'ml/people.yml:21:12 — scoring: no model "people_modl" in ml/ — did you mean "people_model"?',
    ]);
  });
});

describe('ML specs beyond binary', () => {
  it('trains a multiclass model and scores with its most likely class', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: multi\n',
      'models/points.sql': `{{config materialized="table"}}
select range as id, (range % 30)::double as x, ((range * 13) % 7)::double as noise,
       case when range % 30 < 10 then 'low' when range % 30 < 20 then 'mid' else 'high' end as band
from range(600)`,
      'ml/bands.yml': `feature_sets:
  - { name: point_features, entity: id, ref: points, features: [{ name: x, transforms: [standardize] }, { name: noise, transforms: [standardize] }] }
models:
  - name: band_model
    feature_set: point_features
    label: { column: band }
    task: multiclass
    algorithm: { name: logistic_regression, learning_rate: 1.0, iterations: 400 }
    promote_if: accuracy >= 0.8
scoring:
  - model: band_model
`,
    });
    const results = byName(await build(compileDir(dir), { env: {} }));
    expect(results.band_model!.ml).toMatchObject({ version: 'v1', promoted: true });
    expect(results.band_model!.ml!.metrics.confusion_matrix).toHaveLength(3);
    const [low, high] = await queryDb(dir, 'select predicted_class from ml.predictions_band_model where id in (2, 28) order by id');
    expect([low!.predicted_class, high!.predicted_class]).toEqual(['low', 'high']);
    // Each class's probability, in SQL, equal to the JavaScript predictor's on every row.
    const version = new Registry(join(dir, 'target/ml')).promotedVersion('band_model')!;
    const rows = await queryDb(
      dir,
      'select p.id, p.probability, p.probabilities, x, noise from ml.predictions_band_model as p join main.points using (id) order by id',
    );
    expect(rows).toHaveLength(600);
    for (const row of rows) {
      const inSql = JSON.parse(String(row.probabilities)) as Record<string, number>;
      const inJs = predictOne(version, { x: row.x, noise: row.noise }).probabilities as Record<string, number>;
      expect(Object.keys(inSql).sort()).toEqual(['high', 'low', 'mid']);
      for (const band of Object.keys(inJs)) expect(Math.abs(inSql[band]! - inJs[band]!)).toBeLessThan(1e-9);
      expect(Math.max(...Object.values(inSql))).toBe(row.probability);
    }
  });

  it("uses, with as_of, each entity's latest row strictly before the cutoff", async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: asof\n',
      'models/snapshots.sql': `{{config materialized="table"}}
select range % 200 as id, timestamp '2026-01-01' + to_days((range // 200)::int) as snapshot_at,
       (range // 200)::double as day, ((range % 200) % 10)::double as x,
       ((range % 200) % 10) >= 5 as label
from range(600)`,
      'ml/asof.yml': `feature_sets:
  - { name: snaps, entity: id, ref: snapshots, as_of: snapshot_at, features: [{ name: x }, { name: day }] }
models:
  - { name: asof_model, feature_set: snaps, label: { column: label }, task: binary, cutoff: "2026-01-02T12:00:00Z", min_rows: 10 }
`,
    });
    const results = byName(await build(compileDir(dir), { env: {} }));
    expect(results.asof_model!.rows).toBe(200);
    const version = new Registry(join(dir, 'target/ml')).latest('asof_model')!;
    // Days 0, 1 and 2 exist; the cutoff falls on day 1.5, so every training row is day 1.
    expect(version.features.find((f) => f.name === 'day')).toMatchObject({ mean: 1, std: 1 });
  });
});

describe('predictions feeding their own features', () => {
  it('is a cycle, reported at the ML spec', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: loop\n',
      'models/events.sql': 'select range as user_id, range % 2 = 0 as bought from range(200)',
      'models/scored.sql': 'select * from {{ref "predictions_buyer"}}',
      'ml/buyer.yml': [
        'feature_sets:',
        '  - name: fs',
        '    entity: user_id',
        '    sql: select e.user_id, coalesce(s.probability, 0) as p from {{ref "events"}} e left join {{ref "scored"}} s using (user_id)',
        '    features: [{ name: p }]',
        'models:',
        '  - name: buyer',
        '    feature_set: fs',
        '    label: { sql: "select user_id, bought as label from {{ref \'events\'}}" }',
        '    task: binary',
        'scoring:',
        '  - model: buyer',
        '',
      ].join('\n'),
    });
    const cycles = compileProject(readProjectFiles(dir), { env: {} }).diagnostics.filter((d) => d.code === 'CYCLE');
    expect(cycles.map(formatDiagnostic)).toEqual([
      'ml/buyer.yml — dependency cycle: predictions_buyer → scored → predictions_buyer — a model that reads predictions cannot feed the features they are made from',
    ]);
  });
});
