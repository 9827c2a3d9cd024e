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
  if (typeof value === 'number') return Number.isInteger(value) ? value : Math.round(value * 100) / 100;
  return value;
}

/** Rows as sorted JSON lines: equal arrays are equal multisets (A EXCEPT ALL B and B EXCEPT ALL A both empty). */
const multiset = (rows: Record<string, unknown>[]) =>
  rows.map((row) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, comparable(v)]))).sort();

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
          .filter((r) => r.status === 'error' || r.status === 'skipped')
          .map((r) => `${r.name}: ${r.error?.message ?? r.status}`);
      expect(failures(await build(onDuckDB.manifest, { env: {}, now, threads: 2 }))).toEqual([]);
      expect(failures(await build(onTrino.manifest, { env: {}, now, threads: 4 }))).toEqual([]);

      const marts = Object.values(onDuckDB.manifest.nodes).filter(
        (n): n is ModelNode => n.kind === 'model' && n.folder.startsWith('marts') && n.config.materialized !== 'ephemeral',
      );
      expect(marts.length).toBeGreaterThan(5);
      const server = { url: target.url, user: target.user, catalog: target.catalog };
      for (const mart of marts) {
        const duck = await queryDb(dir, `select * from "${mart.relation.schema}"."${mart.relation.name}"`);
        const answer = await request(
          server,
          `select * from iceberg."${target.schemaPrefix}_${mart.relation.schema}"."${mart.relation.name}"`,
        );
        const trino = rowObjects(answer.columns, answer.rows);
        expect({ mart: mart.name, rows: multiset(trino) }).toEqual({ mart: mart.name, rows: multiset(duck) });
      }
    } finally {
      await dropTrinoSchemas(target);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
