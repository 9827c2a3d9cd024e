import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../framework/api.js';
import { compileProject, dashboardByName, generateDocs, readProjectFiles, serveDocs } from '../framework/index.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import type { DashboardData } from '../framework/docs/dashboard-types.js';
import { cli, compileDir, queryDb, writeProject } from './helpers.js';

const files = (dashboard: string, extra: Record<string, string> = {}) => ({
  'plat_project.yml': 'name: d\nthreads: 2\n',
  'sources.yml': `sources:
  - name: plant
    tables:
      - name: readings
        generator:
          rows: 400
          seed: 3
          fields:
            id: { sequence: {} }
            machine: { choice: [M1, M2, M3] }
            site: { choice: [north, south] }
            temperature: { float: { min: 50, max: 90 } }
            day: { int: { min: 1, max: 5 } }
`,
  'models/readings.sql': `{{config materialized="table"}}
select id, machine, site, temperature, date '2026-11-01' + cast(day as integer) as reading_day from {{source "plant" "readings"}}`,
  'models/machines.sql': `{{config materialized="table"}}select distinct machine, site from {{ref "readings"}}`,
  'models/readings.yml': `models:
  - name: readings
    contract: enforced
    columns:
      - { name: id, type: BIGINT }
      - { name: machine, type: VARCHAR }
      - { name: site, type: VARCHAR }
      - { name: temperature, type: DOUBLE }
      - { name: reading_day, type: DATE }
`,
  'dashboards/plant.yml': dashboard,
  ...extra,
});

const good = `title: Plant
description: Temperatures.
filters:
  - { name: site, column: site, kind: multi }
  - { name: machine, column: machine, kind: select }
  - { name: period, column: reading_day, kind: time_range }
rows:
  - charts:
      - { title: Readings, kind: kpi, ref: readings, value: { column: id, agg: count }, format: integer }
      - title: Mean temperature by day
        kind: line
        ref: readings
        x: reading_day
        y: { column: temperature, agg: avg }
        thresholds: { warning: 80 }
      - title: Machines
        kind: table
        sql: select m.machine, m.site, count(*) as readings from {{ref "machines"}} as m join {{ref "readings"}} as r using (machine) group by all
        columns: [machine, site, readings]
        order_by: readings
`;

describe('dashboards', () => {
  it('compile into the manifest, each an exposure downstream of the models its charts read', () => {
    const manifest = compileDir(writeProject(files(good)));
    expect(manifest.parents['exposure.d.plant']!.sort()).toEqual(['model.d.machines', 'model.d.readings']);
    expect(manifest.nodes['exposure.d.plant']).toMatchObject({ kind: 'exposure', exposureType: 'dashboard', path: 'dashboards/plant.yml' });
    const dashboard = manifest.dashboards.plant!;
    expect(dashboard.filters.map((f) => f.kind)).toEqual(['multi', 'select', 'time_range']);
    expect(dashboard.rows[0]!.charts.map((c) => [c.id, c.kind, c.measures])).toEqual([
      ['r0c0', 'kpi', [{ column: 'id', agg: 'count', label: 'id' }]],
      ['r0c1', 'line', [{ column: 'temperature', agg: 'avg', label: 'temperature' }]],
      ['r0c2', 'table', []],
    ]);
    expect(dashboard.rows[0]!.charts[2]!.from).toContain('"main"."machines"');
  });

  it('report unknown refs, columns, filters and properties at file:line:col with a did-you-mean', () => {
    const broken = `title: Plant
filters:
  - { name: site, column: site, kind: multi }
rows:
  - charts:
      - { title: A, kind: bar, ref: reading, x: machine, y: temperature }
      - { title: B, kind: bar, ref: readings, x: machin, y: temperature }
      - { title: C, kind: line, ref: readings, y: temperature }
      - { title: D, kind: kpi, ref: readings, value: id, filters: { sites: site } }
      - { title: E, kind: table, sql: 'select * from {{ref "machine"}}', columns: [machine] }
      - { title: F, kind: line, ref: readings, x: id, series: machine, y: [temperature, id] }
`;
    const { diagnostics } = compileProject(readProjectFiles(writeProject(files(broken))), { env: {} });
    const shown = diagnostics.map((d) => [d.code, d.severity, `${d.file}:${d.line}:${d.column}`, d.message, d.hint]);
    expect(shown).toEqual([
      ['UNKNOWN_REF', 'error', 'dashboards/plant.yml:6:37', 'unknown ref "reading"', 'did you mean "readings"?'],
      ['UNKNOWN_COLUMN', 'error', 'dashboards/plant.yml:7:50', 'unknown column "machin" of "readings"', 'did you mean "machine"?'],
      ['BAD_CONFIG', 'error', 'dashboards/plant.yml:8:27', 'chart "C": a line chart needs x:', null],
      [
        'BAD_CONFIG',
        'error',
        'dashboards/plant.yml:9:69',
        'chart "D": filters: names "sites", which is not a filter of this dashboard',
        'did you mean "site"?',
      ],
      ['UNKNOWN_REF', 'error', 'dashboards/plant.yml:10:39', 'unknown ref "machine"', 'did you mean "machines"?'],
      [
        'BAD_CONFIG',
        'error',
        'dashboards/plant.yml:11:63',
        'chart "F": a chart with series: draws one measure, split by the column; it has several y:',
        null,
      ],
    ]);
    const typo = good.replace('kind: line', 'kind: lines');
    const schema = compileProject(readProjectFiles(writeProject(files(typo))), { env: {} }).diagnostics;
    expect(schema.map((d) => [d.code, `${d.line}:${d.column}`, d.message, d.hint])).toEqual([
      [
        'SCHEMA',
        '11:15',
        'at rows[0].charts[1].kind: "lines" is not one of line, bar, stacked_bar, stacked_area, kpi, table, heatmap',
        'did you mean "line"?',
      ],
    ]);
  });

  it('snapshot each chart grouped by x, series and filter columns with partial aggregates; the server answers with the same JSON', async () => {
    const dir = writeProject(files(good));
    const manifest = compileDir(dir);
    const built = await build(manifest, { env: {} });
    expect(built.results.find((r) => r.name === 'plant')?.status).toBe('success');
    const now = new Date('2026-11-30T12:00:00Z');
    const site = await generateDocs(manifest, { now });
    const data = site.dashboards.plant!;
    const [kpi, line, table] = data.rows[0]!.charts;
    // The KPI: one row per site and machine (the select filters' columns), counts adding up to the table's rows.
    expect(kpi!.fields.map((f) => f.name)).toEqual(['site', 'machine', 'reading_day', 'm0_count']);
    const perGroup = await queryDb(dir, 'select count(*) as n from (select distinct site, machine, reading_day from main.readings)');
    expect(kpi!.rows).toHaveLength(Number(perGroup[0]!.n));
    expect(kpi!.rows.reduce((n, row) => n + Number(row[3]), 0)).toBe(400);
    // The line: sums and counts, so that an average survives filtering; days as epoch milliseconds.
    expect(line!.fields.map((f) => [f.name, f.type])).toEqual([
      ['reading_day', 'time'],
      ['site', 'text'],
      ['machine', 'text'],
      ['m0_sum', 'number'],
      ['m0_count', 'number'],
    ]);
    const [expected] = await queryDb(dir, 'select sum(temperature) as s, count(*) as n from main.readings');
    expect(line!.rows.reduce((s, row) => s + Number(row[3]), 0)).toBeCloseTo(Number(expected!.s), 6);
    expect(line!.rows.reduce((s, row) => s + Number(row[4]), 0)).toBe(Number(expected!.n));
    expect(line!.thresholds).toEqual({ warning: 80, critical: null, direction: 'above' });
    // The SQL table: its rows in order_by order; the select filters apply (it has their columns), the time range does not.
    expect(table!.filterFields).toEqual({ site: 'site', machine: 'machine' });
    // Equal counts are ordered by the shown columns, so two reads of one build agree.
    const ordered = [...table!.rows].sort(
      (a, b) => Number(b[2]) - Number(a[2]) || String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])),
    );
    expect(table!.rows).toEqual(ordered);
    expect(new Set(table!.rows.map((row) => row[2])).size).toBeLessThan(table!.rows.length);
    expect(data.filters.find((f) => f.name === 'machine')!.options).toEqual(['M1', 'M2', 'M3']);

    const script = readFileSync(join(site.dir, 'dashboards', 'plant.js'), 'utf8');
    const written = JSON.parse(script.slice('window.__PLAT_DASHBOARD_DATA__('.length, -');\n'.length)) as DashboardData;
    expect(written).toEqual(data);
    // What a server refreshing from the warehouse answers: the same, read from a session of its own.
    const warehouse = await openWarehouse(manifest.target, { root: dir, mode: 'read-only' });
    const session = await warehouse.session();
    try {
      expect(await dashboardByName(manifest, session, 'plant', now)).toEqual(data);
      expect(await dashboardByName(manifest, session, 'toString', now)).toBeNull();
    } finally {
      session.close();
      warehouse.close();
    }
    const server = await serveDocs(site.dir, 0, { dashboards: () => site.dashboards });
    try {
      const answer = await fetch(`${server.url}v1/dashboards/plant`);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(await answer.json()).toEqual(data);
      const missing = await fetch(`${server.url}v1/dashboards/plnt`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'no dashboard "plnt"', dashboards: ['plant'] });
      expect(await (await fetch(`${server.url}v1/dashboards`)).json()).toEqual({
        dashboards: [{ name: 'plant', title: 'Plant', generatedAt: data.generatedAt }],
      });
    } finally {
      await server.close();
    }
  });

  it('show a chart whose column is gone from the built relation as an error, with a did-you-mean', async () => {
    const renamed = good.replace('x: reading_day', 'x: reading_date');
    const dir = writeProject(files(renamed, { 'models/readings.yml': 'models: []\n' }));
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    const chart = (await generateDocs(manifest)).dashboards.plant!.rows[0]!.charts[1]!;
    expect(chart.rows).toEqual([]);
    expect(chart.error).toBe(
      'unknown column "reading_date" in dashboards/plant.yml (chart "Mean temperature by day") — did you mean "reading_day"?',
    );
  });

  it('answer GET /v1/dashboards/<name> under plat dev with the data of the latest build', async () => {
    const dir = writeProject(files(good));
    const child = spawn(process.execPath, [cli, 'dev', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async <T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> => {
      for (;;) {
        const found = await probe();
        if (found !== undefined) return found;
        if (child.exitCode !== null) throw new Error(`plat dev exited: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const kpi = async (url: string) => {
      const data = (await (await fetch(`${url}v1/dashboards/plant`)).json()) as DashboardData;
      return data.rows[0]!.charts[0]!;
    };
    const count = (rows: DashboardData['rows'][number]['charts'][number]['rows']) => rows.reduce((n, row) => n + Number(row[3]), 0);
    try {
      const url = await until(() => /docs on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1]);
      const before = await kpi(url);
      expect(count(before.rows)).toBe(400);
      // The machine column (the select filter's) is in the KPI's rows: how many readings M1 had.
      const m1 = count(before.rows.filter((row) => row[1] === 'M1'));
      const model = join(dir, 'models/readings.sql');
      writeFileSync(model, `${readFileSync(model, 'utf8')}\nwhere machine = 'M1'`);
      const after = await until(async () => {
        const chart = await kpi(url);
        return count(chart.rows) !== 400 ? chart : undefined;
      });
      expect(count(after.rows)).toBe(m1);
      expect(new Set(after.rows.map((row) => row[1]))).toEqual(new Set(['M1']));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
