/**
 * `plat serve` on a project built on the real Trino cluster: there is no serving copy (any
 * number of processes may read the cluster), so the endpoints read it directly; an analytics
 * endpoint's `$start`/`$end` cast to timestamps on Trino as on DuckDB, and the rows predict and
 * forecast hold in memory are read again (data_as_of moves) rather than kept from the start.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { build, compileProjectDir, type Manifest } from '../framework/index.js';
import { Endpoints } from '../framework/serve/endpoints.js';
import { writeProject } from './helpers.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

const url = inject('trinoUrl');
const files = inject('trinoFiles');

const ANALYTICS = `endpoints:
  - name: machine_level
    type: analytics
    route: /v1/level
    key: machine
    as_of: select max(ts) from {{ref "levels"}}
    analyses:
      current:
        sql: >
          select avg(level) as level from {{ref "levels"}}
          where machine = $machine and ts >= cast($start as timestamp) and ts < cast($end as timestamp)
        metrics:
          level: { decimals: 0 }
`;

describe.skipIf(!url)('plat serve on a project built on Trino', () => {
  const target = trinoTestTarget(url ?? '', files, `serve${Date.now().toString(36)}`);
  let dir: string;
  let manifest: Manifest;
  beforeAll(async () => {
    dir = writeProject({
      'plat_project.yml': `name: shop\ntarget: { type: trino, url: "${target.url}", catalog: iceberg, schema_prefix: ${target.schemaPrefix} }\n`,
      // Two days of one machine's levels: the last 24 hours hold only the newest.
      'models/levels.sql': `select 'M1' as machine, 4 as level, timestamp '2026-11-20 08:00:00' as ts
union all select 'M1', 2, timestamp '2026-11-21 09:00:00'`,
      'endpoints/level.yml': ANALYTICS,
    });
    manifest = compileProjectDir({ projectDir: dir, env: {} }, false).manifest;
    expect(manifest.target.type).toBe('trino');
    expect((await build(manifest, { env: {} })).success).toBe(true);
  }, 300_000);
  afterAll(async () => {
    await dropTrinoSchemas(target);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers analytics over the period before as_of, and reads the cluster again while it serves', async () => {
    const endpoints = new Endpoints(manifest, { env: {}, rereadMs: 200 });
    try {
      const ask = () => endpoints.call('machine_level', { machine: 'M1', time_range: 'last_24_hours' });
      const first = await ask();
      expect(first.period).toEqual({ start: '2026-11-20T09:00:00.001Z', end: '2026-11-21T09:00:00.001Z' });
      expect(first.figures).toEqual({ current: { level: 2 }, previous: { level: 4 } });
      // Read again in the background: a later answer comes from a later read of the cluster.
      let later = first;
      while (later.data_as_of === first.data_as_of) later = await ask();
      expect(Date.parse(String(later.data_as_of))).toBeGreaterThan(Date.parse(String(first.data_as_of)));
      expect(later.figures).toEqual(first.figures);
    } finally {
      await endpoints.close();
    }
  });
});
