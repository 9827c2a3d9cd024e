import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryData } from '../bench/ml_data.js';
import { branches } from '../framework/ml/algorithms/ensemble.js';
import { gradientBoosting } from '../framework/ml/algorithms/index.js';
import { sqlNumber } from '../framework/ml/algorithms/sql.js';
import { addNode, emptyTree, type Tree } from '../framework/ml/algorithms/tree.js';
import type { PredictiveVersion } from '../framework/ml/registry.js';
import { predictionSteps } from '../framework/ml/score_sql.js';
import type { Dialect } from '../framework/warehouse/dialect.js';
import { duckdbDialect } from '../framework/warehouse/duckdb/dialect.js';
import { trinoDialect } from '../framework/warehouse/trino/dialect.js';

// DuckDB runs a CASE once per 2,048-row vector; scoring a large ensemble over rows sorted by its
// most-used splits took 5.0 instead of 7.4 CPU-s for bench:ml's million rows.

/** A tree splitting `x[feature] <= threshold` at the root, then its left child on `x[below]`. */
function tree(feature: number, threshold: number, below: number): Tree {
  const t = emptyTree();
  const root = addNode(t, [0]);
  const left = addNode(t, [1]);
  const right = addNode(t, [2]);
  t.feature[root] = feature;
  t.threshold[root] = threshold;
  t.left[root] = left;
  t.right[root] = right;
  const leaves = [addNode(t, [3]), addNode(t, [4])];
  t.feature[left] = below;
  t.threshold[left] = 0;
  [t.left[left], t.right[left]] = leaves as [number, number];
  return t;
}

describe('the splits a tree ensemble branches on most', () => {
  it('weights each split by the share of rows reaching it, summed over trees sharing it', () => {
    // x1 <= 0 is a depth-1 split in three trees (3 × ½) and outweighs each root (1).
    const trees = [tree(0, 0.5, 1), tree(2, -1, 1), tree(3, 2, 1)];
    const { splits, common } = branches(trees, ['a', 'b', 'c', 'd']);
    expect(splits).toBe(6);
    expect(common).toEqual([`b <= ${sqlNumber(0)}`, `a <= ${sqlNumber(0.5)}`, `c <= ${sqlNumber(-1)}`, `d <= ${sqlNumber(2)}`]);
  });

  it('names at most 16, parenthesising inputs that are expressions', () => {
    const trees = Array.from({ length: 40 }, (_, k) => tree(0, k, 1));
    const { common } = branches(trees, ['x + 1', 'y']);
    expect(common).toHaveLength(16);
    expect(common[0]).toBe(`y <= ${sqlNumber(0)}`);
    expect(common[1]).toBe(`(x + 1) <= ${sqlNumber(0)}`);
  });
});

describe('scoring query row order', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  const width = 8;
  const train = binaryData(3000, width, 11, 0.05);
  const held = binaryData(500, width, 12, 0.05);
  const version = (iterations: number): PredictiveVersion => ({
    model: 'order',
    version: 'v1',
    trainedAt: '',
    promoted: true,
    algorithm: 'gradient_boosting',
    task: 'binary',
    trained: gradientBoosting.train(train.x, train.rows, width, { task: 'binary', y: train.y, classes: 2 }, { iterations, seed: 3 }),
    threshold: 0.5,
    classes: [false, true],
    features: Array.from({ length: width }, (_, f) => ({
      name: `x${f}`,
      kind: 'numeric' as const,
      fill: null,
      standardize: false,
      mean: 0,
      std: 1,
      categories: [],
    })),
    metrics: {},
    fingerprint: { data: '', spec: '', code: '' },
    spec: {},
    rows: { train: 0, test: 0 },
    roc: null,
  });
  const large = version(60);
  const small = version(2);
  const select = (v: PredictiveVersion, dialect: Dialect) =>
    predictionSteps(v, 'id', 'SELECT * FROM held', dialect, (name) => ({ schema: 'main', name })).select;

  it('sorts the rows by the 16 most-used splits on DuckDB once the ensemble is large, and scores the same', async () => {
    const trees = (large.trained as { trees: Tree[][] }).trees.flat();
    const { splits, common } = branches(
      trees,
      Array.from({ length: width }, (_, f) => `__x${f}`),
    );
    expect(splits).toBeGreaterThanOrEqual(duckdbDialect.sortScoredRowsFrom!);
    const sql = select(large, duckdbDialect);
    expect(sql).toContain(`ORDER BY ${common.join(', ')}`);

    const connection = await instance.connect();
    try {
      const values = Array.from(
        { length: held.rows },
        (_, i) =>
          `(${i}, ${Array.from(held.x.subarray(i * width, (i + 1) * width), (v) => (Number.isNaN(v) ? 'NULL' : sqlNumber(v))).join(', ')})`,
      );
      const names = Array.from({ length: width }, (_, f) => `x${f}`);
      await connection.run(`CREATE TABLE held AS SELECT * FROM (VALUES ${values.join(', ')}) AS t(id, ${names.join(', ')})`);
      const sorted = (await connection.runAndReadAll(`SELECT id, probability FROM (${sql}) ORDER BY id`)).getRows();
      const unsorted = select(large, { ...duckdbDialect, sortScoredRowsFrom: null });
      expect(unsorted).not.toContain('ORDER BY');
      const plain = (await connection.runAndReadAll(`SELECT id, probability FROM (${unsorted}) ORDER BY id`)).getRows();
      expect(plain).toHaveLength(held.rows);
      expect(sorted).toEqual(plain);
      for (const [i, p] of sorted as [number, number][])
        expect(Math.abs(p - gradientBoosting.predict(large.trained as never, held.x, Number(i) * width)[1]!)).toBeLessThanOrEqual(1e-9);
    } finally {
      connection.closeSync();
    }
  });

  it('leaves the order alone for a small ensemble, and on Trino', () => {
    expect(select(small, duckdbDialect)).not.toContain('ORDER BY');
    expect(select(large, trinoDialect({ catalog: 'iceberg', schemaPrefix: null }))).not.toContain('ORDER BY');
  });
});
