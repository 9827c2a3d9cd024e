/**
 * The example projects on the real two-node cluster: built from the same files on DuckDB and on
 * Trino + Iceberg (a `targets:` entry picked by name; sources from their generators and files,
 * landed on Trino as Parquet files that Iceberg registers), at the same clock, their marts hold
 * the same rows: compared both ways as multisets, doubles rounded to cents, times as instants.
 */
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { ModelNode } from '../framework/compile/manifest.js';
import { build, compileProjectDir } from '../framework/index.js';
import { request } from '../framework/warehouse/trino/protocol.js';
import { rowObjects } from '../framework/warehouse/trino/values.js';
import { copyProject, queryDb, repoRoot } from './helpers.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

const url = inject('trinoUrl');
const files = inject('trinoFiles');
const now = () => new Date('2026-11-20T12:00:00.000Z');

/** A value as both engines must agree on it. */
function comparable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  // Last-bit noise of sums in another order (57.48499999… against 57.4850000…1) is dropped before rounding to cents.
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(Number(value.toPrecision(12)) * 100) / 100;
  return value;
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

describe.skipIf(!url)('the example projects on Trino + Iceberg', () => {
  it('builds examples/factory on both engines from the same files, with the same marts', async () => {
    const dir = copyProject(join(repoRoot, 'examples/factory'));
    const target = trinoTestTarget(url!, files, `f${Date.now().toString(36)}`);
    const landing = target.landing ? `, landing: { folder: "${target.landing.folder}", location: "${target.landing.location}" }` : '';
    appendFileSync(
      join(dir, 'plat_project.yml'),
      `\ntargets:\n  cluster: { type: trino, url: "${target.url}", catalog: iceberg, schema_prefix: ${target.schemaPrefix}${landing} }\n`,
    );
    try {
      const onDuckDB = compileProjectDir({ projectDir: dir, env: {} }, false);
      const onTrino = compileProjectDir({ projectDir: dir, env: {}, target: 'cluster' }, false);
      expect(onTrino.diagnostics.filter((d) => d.code === 'DIALECT_SYNTAX')).toEqual([]);
      const failures = (results: Awaited<ReturnType<typeof build>>) =>
        results.results
          .filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'skipped')
          .map((r) => `${r.name}: ${r.error?.message ?? r.status}`);
      // The SQL pipeline only: training and scoring through the Trino adapter are not done yet
      // (issue 18's note), so the models and what reads their predictions are left out on both.
      const exclude = ['resource_type:ml_train+', 'resource_type:ml_score+'];
      const onDuckDBResults = await build(onDuckDB.manifest, { env: {}, now, threads: 2, exclude });
      expect(failures(onDuckDBResults)).toEqual([]);
      expect(failures(await build(onTrino.manifest, { env: {}, now, threads: 4, exclude }))).toEqual([]);

      const built = new Set(onDuckDBResults.results.map((r) => r.uniqueId));
      const marts = Object.values(onDuckDB.manifest.nodes).filter(
        (n): n is ModelNode =>
          n.kind === 'model' && n.folder.startsWith('marts') && n.config.materialized !== 'ephemeral' && built.has(n.uniqueId),
      );
      expect(marts.length).toBeGreaterThan(5);
      const server = { url: target.url, user: target.user, catalog: target.catalog };
      const differences: { mart: string; onlyTrino: string[]; onlyDuckDB: string[] }[] = [];
      for (const mart of marts) {
        const duck = multiset(await queryDb(dir, `select * from "${mart.relation.schema}"."${mart.relation.name}"`));
        const answer = await request(
          server,
          `select * from iceberg."${target.schemaPrefix}_${mart.relation.schema}"."${mart.relation.name}"`,
        );
        const trino = multiset(rowObjects(answer.columns, answer.rows));
        const [onlyTrino, onlyDuckDB] = [except(trino, duck), except(duck, trino)];
        if (onlyTrino.length || onlyDuckDB.length)
          differences.push({ mart: mart.name, onlyTrino: onlyTrino.slice(0, 3), onlyDuckDB: onlyDuckDB.slice(0, 3) });
      }
      expect(differences).toEqual([]);
    } finally {
      await dropTrinoSchemas(target);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
