/**
 * The issue-15 algorithms as plat ML nodes: declared in ml/*.yml, trained by `build`, promoted,
 * scored in SQL by the warehouse, and explained. Every model's JavaScript prediction must agree
 * with its SQL prediction on every scored row, including rows whose feature is NULL where
 * training never saw one (missing values take the trees' learned direction in both).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, compileProject, readProjectFiles, type RunResults } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { Registry } from '../framework/ml/registry.js';
import { predictOne } from '../framework/ml/score.js';
import { splitByGroup, splitByTime } from '../framework/ml/split.js';
import { compileDir, plat, queryDb, writeProject } from './helpers.js';

// 600 rows; ids ≥ 500 are after the training cutoff and have x4 NULL, which training never saw.
// Every 25th row is an outlier in x1 (the anomaly label). Noise is a deterministic hash of the id.
const ROWS_SQL = `{{config materialized="table"}}
with base as (
  select range as id,
         case when range < 500 then timestamp '2024-01-01' else timestamp '2025-01-01' end + to_minutes(range::bigint) as ts,
         case when range % 25 = 0 then 40.0 + (range % 7) else ((range * 37) % 100)::double / 10 end as x1,
         ((range * 53) % 97)::double / 9.7 as x2,
         ((range * 11) % 89)::double / 8.9 as x3,
         case when range < 500 then ((range * 17) % 83)::double / 8.3 end as x4,
         ['a', 'b', 'c'][1 + (range % 3)::int] as cat,
         ((range * 7919) % 101)::double / 101 as noise
  from range(600)
)
select *,
       x1 + 0.5 * x2 + case when cat = 'a' then 2 else 0 end + 3 * noise > 9 as bought,
       case when x1 + 2 * noise < 4 then 'low' when x2 + 2 * noise < 5 then 'mid' else 'high' end as band,
       3 * x1 - 2 * x2 + x3 + 2 * noise as amount,
       range_anomaly as outlier
from (select *, id % 25 = 0 as range_anomaly from base)`;

const FEATURES = `    features:
      - { name: x1 }
      - { name: x2 }
      - { name: x3 }
      - { name: x4 }
      - { name: cat, type: categorical }`;

const model = (name: string, task: string, label: string, algorithm: string, extra = '') => `  - name: ${name}
    feature_set: rows_features
    task: ${task}
${label ? `    label: { column: ${label} }\n` : ''}    algorithm: ${algorithm}
    cutoff: "2024-06-01T00:00:00Z"
    min_rows: 100
${extra}`;

const MODELS: [string, string, string, string, string?][] = [
  ['gb_binary', 'binary', 'bought', '{ name: gradient_boosting, iterations: 40, min_rows_per_leaf: 5 }'],
  ['gb_multi', 'multiclass', 'band', '{ name: gradient_boosting, iterations: 30, max_leaves: 8 }'],
  ['gb_regression', 'regression', 'amount', '{ name: gradient_boosting, iterations: 60 }'],
  ['rf_binary', 'binary', 'bought', '{ name: random_forest, trees: 30, seed: 4 }', '    threshold: { recall: 0.9 }\n'],
  ['rf_multi', 'multiclass', 'band', '{ name: random_forest, trees: 25, max_depth: 6 }'],
  ['rf_regression', 'regression', 'amount', '{ name: random_forest, trees: 25 }'],
  ['iso_anomaly', 'anomaly', 'outlier', '{ name: isolation_forest, trees: 60, sample_size: 128, contamination: 0.04, seed: 2 }'],
  ['logistic', 'binary', 'bought', '{ name: logistic_regression, iterations: 200 }'],
];

function wiringProject(): string {
  return writeProject({
    'plat_project.yml': 'name: wiring\n',
    'models/rows.sql': ROWS_SQL,
    'ml/models.yml': `feature_sets:
  - name: rows_features
    entity: id
    ref: rows
    as_of: ts
${FEATURES}
models:
${MODELS.map(([name, task, label, algorithm, extra]) => model(name, task, label, algorithm, extra)).join('')}
scoring:
${MODELS.map(([name]) => `  - model: ${name}\n`).join('')}`,
  });
}

const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));

describe('gradient boosting, random forest and isolation forest as ML nodes', () => {
  let dir: string;
  let results: ReturnType<typeof byName>;
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    dir = wiringProject();
    results = byName(await build(compileDir(dir), { env: {} }));
    rows = await queryDb(dir, 'select * from main.rows order by id');
  }, 600_000);

  it('trains and promotes every model, and scores every entity with it in SQL', async () => {
    for (const [name] of MODELS) {
      expect(results[name], name).toMatchObject({
        status: 'success',
        kind: 'ml_train',
        ml: { version: 'v1', trained: true, promoted: true },
      });
      expect(results[`predictions_${name}`], name).toMatchObject({ status: 'success', rows: 600 });
    }
  });

  it.each(MODELS.map(([name, task]) => [name, task]))('%s (%s): JavaScript and SQL agree to 1e-9 on every row', async (name) => {
    const version = Registry.forProject(dir).promotedVersion(name)!;
    const scored = await queryDb(dir, `select * from ml.predictions_${name} order by id`);
    expect(scored).toHaveLength(rows.length);
    let withNull = 0;
    scored.forEach((sql, i) => {
      const row = rows[i]!;
      if (row.x4 === null) withNull++;
      const js = predictOne(version, row, 3);
      for (const column of ['probability', 'prediction', 'score'] as const) {
        if (!(column in sql)) continue;
        // Logistic regression has no number for a missing input without a fill: NULL in SQL, NaN in JavaScript.
        if (Number.isNaN(js[column])) {
          expect(sql[column], `${name} row ${row.id} ${column}`).toBeNull();
          continue;
        }
        expect(Math.abs(Number(sql[column]) - Number(js[column])), `${name} row ${row.id} ${column}`).toBeLessThanOrEqual(1e-9);
      }
      if ('predicted_class' in sql) expect(sql.predicted_class, `${name} row ${row.id}`).toBe(js.predicted_class);
      if ('is_anomaly' in sql) expect(sql.is_anomaly, `${name} row ${row.id}`).toBe(js.is_anomaly);
      // The stored explanation is the one predict gives: the same features, values and signs.
      expect(JSON.parse(String(sql.contributions))).toEqual(JSON.parse(JSON.stringify(js.contributions)));
    });
    expect(withNull).toBe(100);
  });

  it('explains each prediction by its largest contributions, with sign and value', async () => {
    const [row] = await queryDb(dir, 'select contributions from ml.predictions_gb_binary where id = 7');
    const contributions = JSON.parse(String(row!.contributions)) as { feature: string; value: unknown; contribution: number }[];
    expect(contributions.length).toBeGreaterThan(0);
    expect(contributions.length).toBeLessThanOrEqual(3);
    const sizes = contributions.map((c) => Math.abs(c.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const source = rows.find((r) => r.id === 7n || r.id === 7)!;
    for (const c of contributions) expect(c.value).toEqual(source[c.feature]);
  });

  it('writes global feature importance and the task metrics to metrics.json', () => {
    const registry = Registry.forProject(dir);
    const binary = registry.promotedVersion('gb_binary')!.metrics;
    expect(Object.keys(binary)).toEqual(expect.arrayContaining(['accuracy', 'roc_auc', 'pr_auc', 'threshold', 'feature_importance']));
    const importance = binary.feature_importance!;
    expect(Object.keys(importance).sort()).toEqual(['cat', 'x1', 'x2', 'x3', 'x4']);
    expect(Object.values(importance).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // The label is built from x1 first of all; x3 and x4 play no part in it.
    expect(importance.x1).toBeGreaterThan(importance.x3!);
    expect(importance.x1).toBeGreaterThan(importance.x4!);
    expect(binary.roc_auc).toBeGreaterThan(0.8);

    const regression = registry.promotedVersion('gb_regression')!.metrics;
    expect(Object.keys(regression)).toEqual(expect.arrayContaining(['mae', 'rmse', 'r2', 'mape']));
    expect(regression.r2).toBeGreaterThan(0.8);
    expect(registry.promotedVersion('rf_regression')!.metrics.r2).toBeGreaterThan(0.8);
    expect(registry.promotedVersion('gb_multi')!.metrics.accuracy).toBeGreaterThan(0.7);

    const anomaly = registry.promotedVersion('iso_anomaly')!.metrics;
    expect(Object.keys(anomaly).sort()).toEqual([
      'false_positive_rate',
      'feature_importance',
      'precision',
      'recall',
      'roc_auc',
      'share_flagged',
    ]);
    // The outliers are 40+ where everything else is under 10: the forest isolates them.
    expect(anomaly.roc_auc).toBeGreaterThan(0.95);
    expect(anomaly.recall).toBeGreaterThan(0.5);
  });

  it('lists global feature importance in plat ml show', () => {
    const { code, stdout, stderr } = plat(['ml', 'show', 'gb_binary'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const importance = Registry.forProject(dir).promotedVersion('gb_binary')!.metrics.feature_importance!;
    const [first] = Object.entries(importance);
    expect(stdout).toContain(
      `feature importance (share of mean |contribution| on the test rows): ${first![0]} ${(first![1] * 100).toFixed(1)} %`,
    );
  });

  it('chooses a declared recall target on validation rows and scores with that threshold', () => {
    const version = Registry.forProject(dir).promotedVersion('rf_binary')!;
    expect(version.rows.validation).toBeGreaterThan(0);
    expect(version.threshold).toBeGreaterThan(0);
    expect(version.threshold).not.toBe(0.5);
    expect(version.metrics.threshold).toBe(version.threshold);
  });

  it('retrains only what changed: an edited algorithm parameter retrains that model alone', async () => {
    const file = join(dir, 'ml/models.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('{ name: random_forest, trees: 25 }', '{ name: random_forest, trees: 20 }'));
    const again = byName(await build(compileDir(dir), { env: {} }));
    expect(again.rf_regression!.ml).toMatchObject({ version: 'v2', trained: true, promoted: true });
    for (const [name] of MODELS.filter(([n]) => n !== 'rf_regression'))
      expect(again[name]!.ml, name).toMatchObject({ version: 'v1', trained: false });
    expect(Registry.forProject(dir).versions('rf_regression')).toEqual(['v1', 'v2']);
  });
});

describe('spec errors of the new algorithms', () => {
  const withAlgorithm = (algorithm: string, task = 'binary') => {
    const dir = wiringProject();
    writeFileSync(
      join(dir, 'ml/models.yml'),
      `feature_sets:
  - name: rows_features
    entity: id
    ref: rows
${FEATURES}
models:
  - name: m
    feature_set: rows_features
    task: ${task}
    label: { column: bought }
    algorithm: ${algorithm}
`,
    );
    return compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);
  };

  it.each([
    ['{ name: gradient_boosting, learning_rat: 0.1 }', 'learning_rate'],
    ['{ name: gradient_boosting, max_leavs: 8 }', 'max_leaves'],
    ['{ name: random_forest, tree: 10 }', 'trees'],
    ['{ name: random_forest, max_dept: 4 }', 'max_depth'],
    ['{ name: isolation_forest, contamintion: 0.1 }', 'contamination'],
    ['{ name: isolation_forest, sample_siz: 64 }', 'sample_size'],
  ])('locates the unknown parameter in %s and suggests %s', (algorithm, suggestion) => {
    const task = algorithm.includes('isolation') ? 'anomaly' : 'binary';
    const diagnostics = withAlgorithm(algorithm, task);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^ml\/models\.yml:16:\d+ — /);
    expect(diagnostics[0]).toContain(`did you mean "${suggestion}"?`);
  });

  it('rejects a task the algorithm does not train for, at the task line', () => {
    expect(withAlgorithm('{ name: isolation_forest }', 'binary')).toEqual([
      expect.stringMatching(/^ml\/models\.yml:14:\d+ — .*"binary" is not one of anomaly/),
    ]);
    expect(withAlgorithm('{ name: random_forest, trees: 0 }')).toEqual([expect.stringMatching(/^ml\/models\.yml:16:\d+ — .*trees/)]);
  });
});

describe('splits', () => {
  it('keeps every group on one side of a group split', () => {
    const machines = Array.from({ length: 400 }, (_, i) => `M-${i % 12}`);
    const { train, test } = splitByGroup(machines, 0.25, 42);
    expect(train.length + test.length).toBe(400);
    const tested = new Set(test.map((i) => machines[i]));
    expect(tested.size).toBe(3);
    expect(train.filter((i) => tested.has(machines[i]!))).toEqual([]);
  });

  it('tests on the latest rows of a time split', () => {
    const times = Array.from({ length: 100 }, (_, i) => new Date(Date.UTC(2024, 0, 1, (i * 37) % 100)));
    const { train, test } = splitByTime(times, 0.2);
    expect(test).toHaveLength(20);
    const latestTrained = Math.max(...train.map((i) => times[i]!.getTime()));
    expect(test.every((i) => times[i]!.getTime() > latestTrained)).toBe(true);
  });
});
