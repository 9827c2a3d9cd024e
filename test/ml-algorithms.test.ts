import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyData, binaryData, multiclassData, regressionData, type Dataset } from '../bench/ml_data.js';
import { gradientBoosting, randomForest, type TreeAlgorithm } from '../framework/ml/algorithms/index.js';
import { gradientBoostingRaw, trainGradientBoosting } from '../framework/ml/algorithms/gradient_boosting.js';
import { binMatrix, binOf, fitBinEdges, MISSING_BIN } from '../framework/ml/algorithms/histogram.js';
import {
  isolationContributions,
  isolationContributionSql,
  isolationFlagSql,
  isolationScore,
  isolationScoreSql,
  trainIsolationForest,
} from '../framework/ml/algorithms/isolation_forest.js';
import {
  contributionsByFeature,
  contributionsJsonSql,
  inputNames,
  logisticContributions,
  logisticContributionSql,
  topContributions,
} from '../framework/ml/algorithms/explain.js';
import { sqlNumber } from '../framework/ml/algorithms/sql.js';
import type { Target } from '../framework/ml/algorithms/target.js';
import type { EncodedFeature } from '../framework/ml/features.js';
import { logisticSql, predictLogistic, trainLogistic } from '../framework/ml/logistic.js';
import { rocAuc } from '../framework/ml/metrics.js';
import { anomalyMetrics } from '../framework/ml/metrics_anomaly.js';
import { regressionMetrics } from '../framework/ml/metrics_regression.js';

// One in-memory DuckDB for every SQL check: the expressions the algorithms emit are evaluated
// over a table of the test rows (NaN stored as NULL) and compared with JavaScript row by row.
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

const inputs = (width: number) => Array.from({ length: width }, (_, f) => `"x${f}"`);

async function evaluateSql(data: Dataset, expressions: readonly string[]): Promise<number[][]> {
  const connection = await instance.connect();
  try {
    const table = `rows_${Math.floor(Math.random() * 1e9)}`;
    const values = Array.from(
      { length: data.rows },
      (_, i) =>
        `(${i}, ${Array.from({ length: data.width }, (_, f) => {
          const v = data.x[i * data.width + f]!;
          return Number.isNaN(v) ? 'NULL' : sqlNumber(v);
        }).join(', ')})`,
    );
    await connection.run(`CREATE TABLE ${table} AS SELECT * FROM (VALUES ${values.join(', ')}) AS t(i, ${inputs(data.width).join(', ')})`);
    const reader = await connection.runAndReadAll(
      `SELECT ${expressions.map((e, k) => `${e} AS e${k}`).join(', ')} FROM ${table} ORDER BY i`,
    );
    return reader.getRows().map((row) => row.map((v) => (typeof v === 'boolean' ? Number(v) : Number(v))));
  } finally {
    connection.closeSync();
  }
}

function expectRowsClose(sql: number[][], js: number[][], tolerance = 1e-9): void {
  expect(sql.length).toBe(js.length);
  let worst = 0;
  for (let i = 0; i < js.length; i++) for (let k = 0; k < js[i]!.length; k++) worst = Math.max(worst, Math.abs(sql[i]![k]! - js[i]![k]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function auc(y: Int32Array, p: number[]): number {
  return rocAuc(
    Array.from(y, (v) => v === 1),
    p,
  );
}

const rows = <T>(data: Dataset, f: (offset: number) => T) => Array.from({ length: data.rows }, (_, i) => f(i * data.width));

/** The checks every supervised tree algorithm passes on each task. */
function treeAlgorithmChecks<Model>(name: string, algorithm: TreeAlgorithm<Model, object>, options: object) {
  describe(name, () => {
    const train = binaryData(3000, 8, 11, 0.05);
    const test = binaryData(400, 8, 12, 0.05);
    const binary = algorithm.train(train.x, train.rows, train.width, { task: 'binary', y: train.y, classes: 2 }, options);

    it('learns a nonlinear binary signal, with missing values, well above chance', () => {
      const p = rows(test, (o) => algorithm.predict(binary, test.x, o)[1]!);
      expect(auc(test.y, p)).toBeGreaterThan(0.85);
    });

    it('scores in SQL the same as in JavaScript to 1e-9 on every row, NULL inputs included', async () => {
      expect(Array.from(test.x).some(Number.isNaN)).toBe(true);
      expectRowsClose(
        await evaluateSql(test, algorithm.sql(binary, inputs(test.width))),
        rows(test, (o) => algorithm.predict(binary, test.x, o)),
      );
    });

    it('explains each prediction: base + contributions = the raw output, in JavaScript and SQL', async () => {
      const js = rows(test, (o) => {
        const { base, values } = algorithm.contributions(binary, test.x, o, test.width);
        return { base, values: Array.from(values) };
      });
      for (let i = 0; i < test.rows; i++) {
        const sum = js[i]!.base + js[i]!.values.reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - rawOutput(binary, test.x, i * test.width))).toBeLessThan(1e-9);
      }
      expectRowsClose(
        await evaluateSql(test, algorithm.contributionSql(binary, inputs(test.width))),
        js.map((r) => r.values),
      );
      // The signal lives in the first seven inputs; pure noise columns do not lead.
      const mean = js[0]!.values.map((_, f) => js.reduce((a, r) => a + Math.abs(r.values[f]!), 0) / js.length);
      expect(mean.indexOf(Math.max(...mean))).toBeLessThan(7);
    });

    it('trains multiclass models whose SQL matches JavaScript', async () => {
      const data = multiclassData(3000, 8, 21);
      const held = multiclassData(300, 8, 22);
      const model = algorithm.train(data.x, data.rows, data.width, { task: 'multiclass', y: data.y, classes: 3 }, options);
      const probabilities = rows(held, (o) => algorithm.predict(model, held.x, o));
      const accuracy = probabilities.filter((p, i) => p.indexOf(Math.max(...p)) === held.y[i]).length / held.rows;
      expect(accuracy).toBeGreaterThan(0.6);
      for (const p of probabilities) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expectRowsClose(await evaluateSql(held, algorithm.sql(model, inputs(held.width))), probabilities);
    });

    it('trains regression models whose SQL matches JavaScript', async () => {
      const data = regressionData(3000, 8, 31, 0.05);
      const held = regressionData(300, 8, 32, 0.05);
      const model = algorithm.train(data.x, data.rows, data.width, { task: 'regression', y: data.y }, options);
      const predicted = rows(held, (o) => algorithm.predict(model, held.x, o));
      expect(
        regressionMetrics(
          held.y,
          predicted.map((p) => p[0]!),
        ).r2,
      ).toBeGreaterThan(0.6);
      expectRowsClose(await evaluateSql(held, algorithm.sql(model, inputs(held.width))), predicted);
    });

    it('gives the same model for the same data and seed', () => {
      const again = algorithm.train(train.x, train.rows, train.width, { task: 'binary', y: train.y, classes: 2 }, options);
      expect(JSON.stringify(again)).toBe(JSON.stringify(binary));
    });
  });
}

/** The raw output contributions add up to: log-odds for boosting, the probability for a forest. */
function rawOutput(model: unknown, x: Float64Array, offset: number): number {
  const m = model as { algorithm: string };
  if (m.algorithm === 'gradient_boosting') return gradientBoostingRaw(model as Parameters<typeof gradientBoostingRaw>[0], x, offset)[0]!;
  return randomForest.predict(model as Parameters<typeof randomForest.predict>[0], x, offset)[1]!;
}

treeAlgorithmChecks('gradient boosting', gradientBoosting as TreeAlgorithm<unknown, object>, { iterations: 60, seed: 5 });
treeAlgorithmChecks('random forest', randomForest as TreeAlgorithm<unknown, object>, { trees: 30, maxDepth: 10, seed: 5 });

describe('gradient boosting options', () => {
  it('stops early when the validation loss stops improving', () => {
    const data = binaryData(3000, 8, 41);
    const target: Target = { task: 'binary', y: data.y, classes: 2 };
    const model = trainGradientBoosting(data.x, data.rows, data.width, target, {
      iterations: 400,
      learningRate: 0.5,
      earlyStopping: true,
      patience: 5,
      seed: 1,
    });
    expect(model.iterations).toBeLessThan(400);
    expect(model.trees[0]!.length).toBe(model.iterations);
  });

  it('respects maxDepth, maxLeaves and minRowsPerLeaf', () => {
    const data = regressionData(2000, 6, 42);
    const model = trainGradientBoosting(
      data.x,
      data.rows,
      data.width,
      { task: 'regression', y: data.y },
      { iterations: 5, maxDepth: 2, maxLeaves: 3, minRowsPerLeaf: 100 },
    );
    for (const tree of model.trees[0]!) {
      expect(tree.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(3);
      const depth = (node: number): number =>
        tree.feature[node]! < 0 ? 0 : 1 + Math.max(depth(tree.left[node]!), depth(tree.right[node]!));
      expect(depth(0)).toBeLessThanOrEqual(2);
    }
  });

  it('learns where missing values should go when missingness itself carries the label', () => {
    // x0 is missing exactly for the positives: the trees must send NULL to the positive side.
    const n = 2000;
    const x = new Float64Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      x[i * 2] = y[i] ? NaN : (i % 97) / 97;
      x[i * 2 + 1] = (i % 13) / 13;
    }
    const model = gradientBoosting.train(x, n, 2, { task: 'binary', y, classes: 2 }, { iterations: 20, learningRate: 0.5 });
    expect(gradientBoosting.predict(model, [NaN, 0.5])[1]).toBeGreaterThan(0.95);
    expect(gradientBoosting.predict(model, [0.5, 0.5])[1]).toBeLessThan(0.05);
  });

  it('ranks the informative inputs first by gain importance', () => {
    const data = binaryData(3000, 12, 43);
    const model = trainGradientBoosting(data.x, data.rows, data.width, { task: 'binary', y: data.y, classes: 2 }, { iterations: 40 });
    expect(model.importance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const noise = model.importance.slice(7).reduce((a, b) => a + b, 0);
    expect(noise).toBeLessThan(0.1);
  });
});

describe('histogram binning', () => {
  it('puts x in bin ≤ b exactly when x <= edge b, and NaN in the missing bin', () => {
    const data = regressionData(5000, 3, 51, 0.1);
    const edges = fitBinEdges(data.x, data.rows, data.width, { maxBins: 32 });
    const binned = binMatrix(data.x, data.rows, data.width, edges);
    for (let i = 0; i < data.rows; i += 7) {
      for (let f = 0; f < data.width; f++) {
        const v = data.x[i * data.width + f]!;
        const bin = binned.bins[i * data.width + f]!;
        if (Number.isNaN(v)) expect(bin).toBe(MISSING_BIN);
        else for (let b = 0; b < edges[f]!.length; b++) expect(bin <= b).toBe(v <= edges[f]![b]!);
      }
    }
    expect(edges[0]!.length).toBe(31);
  });

  it('uses midpoints between distinct values when there are few', () => {
    const edges = fitBinEdges(Float64Array.from([3, 1, 2, 2, NaN, 1]), 6, 1);
    expect(Array.from(edges[0]!)).toEqual([1.5, 2.5]);
    expect(binOf(2.5, edges[0]!)).toBe(1);
    expect(binOf(2.6, edges[0]!)).toBe(2);
  });
});

describe('isolation forest', () => {
  const data = anomalyData(5000, 6, 61, 0.03);
  const model = trainIsolationForest(data.x, data.rows, data.width, { contamination: 0.03, seed: 3 });
  const scores = rows(data, (o) => isolationScore(model, data.x, o));

  it('flags injected anomalies: high recall, low false-positive rate, scores in [0, 1]', () => {
    const metrics = anomalyMetrics(scores, model.threshold, data.y);
    expect(Math.min(...scores)).toBeGreaterThan(0);
    expect(Math.max(...scores)).toBeLessThan(1);
    expect(metrics.recall).toBeGreaterThan(0.6);
    expect(metrics.false_positive_rate).toBeLessThan(0.02);
    expect(metrics.roc_auc).toBeGreaterThan(0.95);
    expect(metrics.flagged_share).toBeCloseTo(0.03, 2);
  });

  it('scores without contamination against the paper threshold 0.5', () => {
    const plain = trainIsolationForest(data.x, data.rows, data.width, { seed: 3 });
    expect(plain.threshold).toBe(0.5);
    const normal = scores.filter((_, i) => data.y[i] === 0);
    expect(normal.reduce((a, b) => a + b, 0) / normal.length).toBeLessThan(0.5);
  });

  it('scores, flags and explains in SQL the same as in JavaScript, NULL inputs included', async () => {
    const held = anomalyData(300, 6, 62, 0.05);
    for (let i = 0; i < held.rows; i += 9) held.x[i * held.width + (i % held.width)] = NaN;
    const score = isolationScoreSql(model, inputs(held.width));
    const sql = await evaluateSql(held, [score, isolationFlagSql(model, score), ...isolationContributionSql(model, inputs(held.width))]);
    const js = rows(held, (o) => {
      const s = isolationScore(model, held.x, o);
      return [s, s >= model.threshold ? 1 : 0, ...isolationContributions(model, held.x, o, held.width).values];
    });
    expectRowsClose(sql, js);
    for (let i = 0; i < held.rows; i++) {
      const { base, values } = isolationContributions(model, held.x, i * held.width, held.width);
      const meanPath = base + values.reduce((a, b) => a + b, 0);
      expect(Math.abs(Math.exp(model.scale * meanPath) - js[i]![0]!)).toBeLessThan(1e-12);
    }
  });
});

describe('explanations', () => {
  const encoded: EncodedFeature[] = [
    { name: 'carts', kind: 'numeric', fill: 0, standardize: true, mean: 2, std: 1.5, categories: [] },
    { name: 'segment', kind: 'one_hot', fill: null, standardize: false, mean: 0, std: 1, categories: ['a', 'b'] },
  ];

  it('names one-hot inputs by category and sums them back per feature', () => {
    expect(inputNames(encoded)).toEqual(['carts', 'segment=a', 'segment=b']);
    const byFeature = contributionsByFeature([0.5, -0.25, -0.5], encoded);
    expect(byFeature).toEqual([
      { feature: 'carts', contribution: 0.5 },
      { feature: 'segment', contribution: -0.75 },
    ]);
    expect(topContributions(byFeature, 1)).toEqual([{ feature: 'segment', contribution: -0.75 }]);
  });

  it('gives logistic contributions as coefficient × standardized value, in JavaScript and SQL', async () => {
    const data = binaryData(500, 4, 71);
    const model = trainLogistic(data.x, data.rows, data.width, data.y, 2, { learningRate: 0.5, iterations: 100, l2: 0 });
    const js = rows(data, (o) => {
      const input = data.x.subarray(o, o + data.width);
      const { base, values } = logisticContributions(model, input);
      const p = predictLogistic(model, input)[1]!;
      expect(base + values.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.log(p / (1 - p)), 9);
      return Array.from(values);
    });
    expectRowsClose(await evaluateSql(data, logisticContributionSql(model, inputs(data.width))), js);
    expect(await evaluateSql(data, [logisticSql(model, inputs(data.width))[1]!])).toHaveLength(data.rows);
  });

  it('writes all contributions as one JSON string column', async () => {
    const data: Dataset = { x: Float64Array.from([1.5, -2]), rows: 1, width: 2 };
    const [[json]] = (await evaluateSqlText(data, [contributionsJsonSql(["it's", 'b'], ['"x0"', '"x1" * 2e0'])])) as [[string]];
    expect(JSON.parse(json)).toEqual({ "it's": 1.5, b: -4 });
  });
});

describe('SQL text', () => {
  it('writes numbers as exact DOUBLE literals', async () => {
    const values = [0.1, 0.30000000000000004, -1 / 3, 5e-324, 1.7976931348623157e308, 123456.78901234567];
    const data: Dataset = { x: new Float64Array(1), rows: 1, width: 1 };
    const [row] = await evaluateSql(data, values.map(sqlNumber));
    expect(row).toEqual(values);
    const [[type]] = (await evaluateSqlText(data, [`typeof(${sqlNumber(0.1)})`])) as [[string]];
    expect(type).toBe('DOUBLE');
  });

  it('uses only syntax DuckDB and Trino share: no ::, no lists, no DuckDB-only functions', () => {
    const data = binaryData(500, 4, 81, 0.1);
    const gbt = gradientBoosting.train(data.x, data.rows, data.width, { task: 'multiclass', y: data.y, classes: 2 }, { iterations: 3 });
    const forest = randomForest.train(data.x, data.rows, data.width, { task: 'binary', y: data.y, classes: 2 }, { trees: 3, maxDepth: 4 });
    const iso = trainIsolationForest(data.x, data.rows, data.width, { trees: 3 });
    const sql = [
      ...gradientBoosting.sql(gbt, inputs(4)),
      ...randomForest.sql(forest, inputs(4)),
      ...randomForest.contributionSql(forest, inputs(4)),
      isolationScoreSql(iso, inputs(4)),
    ].join('\n');
    expect(sql).not.toMatch(/::|\[|\]|list_|greatest|least/);
    const functions = new Set([...sql.matchAll(/([a-z_]+)\(/gi)].map((m) => m[1]!.toLowerCase()));
    for (const f of functions) expect(['exp', 'ln']).toContain(f);
  });
});

async function evaluateSqlText(data: Dataset, expressions: readonly string[]): Promise<unknown[][]> {
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT ${expressions.join(', ')} FROM (VALUES (${Array.from(data.x.subarray(0, data.width), sqlNumber).join(', ')})) AS t(${inputs(data.width).join(', ')})`,
    );
    return reader.getRows() as unknown[][];
  } finally {
    connection.closeSync();
  }
}
