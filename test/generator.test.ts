import { describe, expect, it } from 'vitest';
import { checkGenerator } from '../framework/project/generator_rules.js';
import type { GeneratorSpec } from '../framework/project/spec.js';
import { generateTable } from '../framework/run/sources/generator.js';
import { parseCsv } from '../framework/run/sources/generator_entities.js';
import { compileDir, queryDb, runDir, writeProject } from './helpers.js';

type Row = Record<string, unknown>;
const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00Z');

/** Rows as objects, with every field (hidden ones too) written. */
function rowsOf(spec: GeneratorSpec, rowSeed?: number, root?: string): Row[] {
  const all = { ...spec, write: spec.write ?? Object.keys(spec.fields) };
  const table = generateTable(all, NOW, rowSeed, { root });
  return [...table.rows].map((values) => Object.fromEntries(table.columns.map((c, i) => [c.name, values[i]])));
}

const lifecycle = {
  seed: 5,
  from: '2026-01-01T00:00:00Z',
  failures: { mtbf: '6d', shape: 2.5, degradation: '2d', repair: { min: '4h', max: '8h' } },
  maintenance: { every: '15d', jitter: '1d', duration: { min: '2h', max: '4h' } },
  idle: { every: '20h', duration: { min: '30m', max: '2h' } },
};
const series = { entities: { count: 6, prefix: 'M-' }, end: '2026-03-01T00:00:00Z', last: '30d', lifecycle };

/** One reading per machine every 10 minutes while it runs: a temperature that climbs before failures, with faults injected. */
const sensors: GeneratorSpec = {
  seed: 3,
  series: {
    ...series,
    every: '10m',
    while: ['running'],
    anomalies: {
      spike: { share: 0.01, size: { temperature: 30 } },
      drift: { share: 0.02, length: '2h', size: { pressure: 5 } },
      stuck: { share: 0.02, length: '1h', fields: ['temperature'] },
    },
  },
  fields: {
    id: { uuid: {} },
    machine: { entity: {} },
    ts: { time: { jitter: '1m' } },
    temperature: { signal: { base: { min: 55, max: 70 }, daily: { amplitude: 1 }, noise: 0.3, degrade: { add: 10 }, decimals: 2 } },
    pressure: { signal: { base: 6, noise: 0.05, decimals: 3 } },
    degradation: { lifecycle: 'degradation', hidden: true },
    fault: { anomaly: {}, hidden: true },
  },
};
/** The same machines' state changes: the same lifecycle, so the same failures. */
const status: GeneratorSpec = {
  seed: 4,
  series: { ...series, rows: 'events' },
  fields: { machine: { entity: {} }, ts: { time: {} }, event: { lifecycle: 'event' }, state: { lifecycle: 'state' } },
};

describe('the series generator', () => {
  it("gives the same rows for the same seed, new values for another row seed, and keeps each machine's lifecycle and base", () => {
    const a = rowsOf(sensors);
    expect(rowsOf(sensors)).toEqual(a);
    const b = rowsOf(sensors, 99);
    expect(b.map((r) => r.id)).not.toEqual(a.map((r) => r.id));
    // Lifecycles are seeded by their own seed and the entity: a producer's new run sees the same failures.
    expect(rowsOf(status, 1)).toEqual(rowsOf(status, 2));
    expect(new Set(b.map((r) => `${r.machine}@${String(r.ts).slice(0, 15)}`))).toEqual(
      new Set(a.map((r) => `${r.machine}@${String(r.ts).slice(0, 15)}`)),
    );
    const mean = (rows: Row[], machine: string) => {
      const values = rows
        .filter((r) => r.machine === machine && r.degradation === 0 && r.fault === 'none')
        .map((r) => r.temperature as number);
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    for (const machine of ['M-1', 'M-2', 'M-3']) expect(Math.abs(mean(a, machine) - mean(b, machine))).toBeLessThan(0.2);
  });

  it('writes times as ISO-8601 text in time order across machines, one row per running machine per step', () => {
    const rows = rowsOf(sensors);
    for (const r of rows.slice(0, 2000)) expect(new Date(r.ts as string).toISOString()).toBe(r.ts);
    const steps = new Map<string, number>();
    for (const r of rows) {
      const step = Math.floor(Date.parse(r.ts as string) / 600_000);
      const key = `${r.machine}@${step}`;
      steps.set(key, (steps.get(key) ?? 0) + 1);
    }
    expect(Math.max(...steps.values())).toBe(1);
    const times = rows.map((r) => Date.parse(r.ts as string));
    expect(times.every((t, i) => i === 0 || t > times[i - 1]! - 120_000)).toBe(true);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2026-01-30T00:00:00Z'));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2026-03-01T00:00:00Z'));
  });

  it('tells one story across tables: no readings while a machine is down, and every failure is repaired', () => {
    const events = rowsOf(status);
    const failures = events.filter((e) => e.event === 'failure');
    expect(failures.length).toBeGreaterThan(8);
    const after: Record<string, string> = { failure: 'repair', maintenance_start: 'maintenance_end', stop: 'start' };
    for (const machine of ['M-1', 'M-2', 'M-3', 'M-4', 'M-5', 'M-6']) {
      const own = events.filter((e) => e.machine === machine);
      own.forEach((e, i) => {
        const next = own[i + 1];
        if (next && after[e.event as string]) expect([after[e.event as string], 'maintenance_start']).toContain(next.event);
        expect(e.state).toBe(
          {
            start: 'running',
            stop: 'idle',
            failure: 'error',
            repair: 'running',
            maintenance_start: 'maintenance',
            maintenance_end: 'running',
          }[e.event as string],
        );
      });
    }
    const readings = rowsOf(sensors);
    for (const f of failures) {
      const repair = events.find(
        (e) => e.machine === f.machine && e.event === 'repair' && Date.parse(e.ts as string) > Date.parse(f.ts as string),
      );
      const [down, up] = [Date.parse(f.ts as string), repair ? Date.parse(repair.ts as string) : Infinity];
      // A reading's time trails its step by up to the jitter (1 minute).
      expect(
        readings.filter((r) => r.machine === f.machine && Date.parse(r.ts as string) > down + 60_000 && Date.parse(r.ts as string) < up),
      ).toEqual([]);
    }
  });

  it('degrades the signal before each failure: temperature climbs by its add over the window, then resets', () => {
    const events = rowsOf(status);
    const readings = rowsOf(sensors).filter((r) => r.fault === 'none');
    let checked = 0;
    for (const f of events.filter((e) => e.event === 'failure')) {
      const at = Date.parse(f.ts as string);
      const own = readings.filter((r) => r.machine === f.machine);
      const before = own.filter((r) => Date.parse(r.ts as string) > at - 3 * 3_600_000 && Date.parse(r.ts as string) <= at);
      const earlier = own.filter(
        (r) => Date.parse(r.ts as string) > at - 5 * DAY && Date.parse(r.ts as string) <= at - 3 * DAY && r.degradation === 0,
      );
      if (before.length < 5 || earlier.length < 50) continue;
      checked++;
      // The hidden degradation ramps to 1 at the failure (no earlier than 2 days before it).
      expect(Math.min(...before.map((r) => r.degradation as number))).toBeGreaterThan(0.9);
      const avg = (rows: Row[]) => rows.reduce((s, r) => s + (r.temperature as number), 0) / rows.length;
      expect(avg(before) - avg(earlier)).toBeGreaterThan(7);
      expect(avg(before) - avg(earlier)).toBeLessThan(13);
      // Not earlier than the window (give or take a failure put off by an idle stretch, ≤ 2.5 h)
      // since the machine's last repair or maintenance.
      const reset = Math.max(
        0,
        ...events
          .filter(
            (e) => e.machine === f.machine && (e.event === 'repair' || e.event === 'maintenance_end') && Date.parse(e.ts as string) < at,
          )
          .map((e) => Date.parse(e.ts as string)),
      );
      const early = own.filter(
        (r) => Date.parse(r.ts as string) <= at - 2 * DAY - 3 * 3_600_000 && Date.parse(r.ts as string) > Math.max(at - 4 * DAY, reset),
      );
      expect(early.every((r) => r.degradation === 0)).toBe(true);
    }
    expect(checked).toBeGreaterThan(4);
    const afterRepair = events
      .filter((e) => e.event === 'repair')
      .map((e) => readings.find((r) => r.machine === e.machine && Date.parse(r.ts as string) > Date.parse(e.ts as string)));
    expect(afterRepair.filter(Boolean).every((r) => (r!.degradation as number) < 0.6)).toBe(true);
  });

  it('injects spikes, drifts and stuck values at their declared shares, each carried by the hidden label', () => {
    const spec: GeneratorSpec = {
      ...sensors,
      series: { ...sensors.series!, entities: { count: 40 }, lifecycle: undefined, while: undefined },
    };
    delete (spec.fields as Record<string, unknown>).degradation;
    spec.fields = { ...spec.fields, temperature: { signal: { base: 60, noise: 0.3, decimals: 2 } } };
    const rows = rowsOf(spec);
    const share = (kind: string) => rows.filter((r) => r.fault === kind).length / rows.length;
    expect(share('spike')).toBeCloseTo(0.01, 2);
    expect(share('drift')).toBeGreaterThan(0.016);
    expect(share('drift')).toBeLessThan(0.024);
    expect(share('stuck')).toBeGreaterThan(0.016);
    expect(share('stuck')).toBeLessThan(0.024);
    for (const r of rows.filter((r) => r.fault === 'spike')) expect(Math.abs((r.temperature as number) - 60)).toBeGreaterThan(27);
    expect(
      rows
        .filter((r) => r.fault === 'none')
        .every((r) => Math.abs((r.temperature as number) - 60) < 3 && Math.abs((r.pressure as number) - 6) < 0.5),
    ).toBe(true);
    // A drift pulls pressure away linearly, up to 5 at its end; a stuck sensor repeats one value.
    expect(Math.max(...rows.filter((r) => r.fault === 'drift').map((r) => Math.abs((r.pressure as number) - 6)))).toBeGreaterThan(4.5);
    const byMachine = new Map<unknown, Row[]>();
    for (const r of rows) {
      const own = byMachine.get(r.machine) ?? [];
      own.push(r);
      byMachine.set(r.machine, own);
    }
    let runs = 0;
    for (const own of byMachine.values()) {
      own.forEach((r, i) => {
        if (r.fault === 'stuck' && own[i - 1]?.fault === 'stuck') {
          expect(r.temperature).toBe(own[i - 1]!.temperature);
          runs++;
        }
      });
    }
    expect(runs).toBeGreaterThan(100);
  });

  it('writes hidden fields only when write: names them, and a labels table matches its source row for row', () => {
    expect(generateTable(sensors, NOW).columns.map((c) => c.name)).toEqual(['id', 'machine', 'ts', 'temperature', 'pressure']);
    const labelled: GeneratorSpec = { ...sensors, write: ['id', 'fault'] };
    expect(generateTable(labelled, NOW).columns).toEqual([
      { name: 'id', type: 'VARCHAR' },
      { name: 'fault', type: 'VARCHAR' },
    ]);
    // With bad rows (a resend and nulls) in the source and none in the labels table, ids still match.
    const withBadRows: GeneratorSpec = {
      ...sensors,
      corrupt: [
        { name: 'resent', share: 0.05, duplicate: true },
        { name: 'no_machine', share: 0.05, set: { machine: null } },
      ],
    };
    const source = rowsOf(withBadRows);
    const labels = new Map(rowsOf(labelled).map((r) => [r.id, r.fault]));
    expect(new Set(source.map((r) => r.id)).size).toBe(labels.size);
    for (const r of source) expect(labels.get(r.id)).toBe(r.fault);
    expect(source.filter((r) => r.machine === null).length).toBeGreaterThan(0);
  });

  it('sends a resend besides its row, garbled when it sets fields, so an event stream loses no state change', () => {
    const garbled: GeneratorSpec = {
      ...status,
      corrupt: [{ name: 'garbled', share: 0.2, duplicate: true, set: { state: { const: 'UNKNOWN' } } }],
    };
    const table = generateTable(garbled, NOW);
    const rows = [...table.rows];
    const clean = rowsOf(status).map((r) => JSON.stringify(Object.values(r)));
    expect(rows.filter((r) => r[3] !== 'UNKNOWN').map((r) => JSON.stringify(r))).toEqual(clean);
    expect(rows.length - clean.length).toBe(table.injected.get('garbled'));
    expect(table.injected.get('garbled')).toBeGreaterThan(20);
  });

  it('picks classes by the declared rule: a noisy weighted score cut into bands, with traits of any draw', () => {
    const spec: GeneratorSpec = {
      rows: 20_000,
      seed: 11,
      fields: {
        operator: { int: { min: 1, max: 30 } },
        experience: { trait: { of: 'operator', float: { min: 0, max: 10, decimals: 1 } } },
        material: { choice: ['steel', 'titanium'] },
        heat: { float: { min: 0, max: 10 } },
        limit: { const: 5 },
        score: {
          hidden: true,
          score: {
            noise: 0.1,
            terms: [
              { field: 'heat', above: 'limit', weight: 0.5 },
              { field: 'experience', below: 2, weight: 1 },
              { field: 'material', weights: { titanium: 1 } },
            ],
          },
        },
        quality: { bands: { of: 'score', cuts: { Good: 1, Fair: 2 }, else: 'Bad' } },
      },
    };
    const rows = rowsOf(spec);
    const experience = new Map<unknown, unknown>();
    for (const r of rows) expect(experience.set(r.operator, experience.get(r.operator) ?? r.experience).get(r.operator)).toBe(r.experience);
    for (const r of rows) expect(r.quality).toBe((r.score as number) < 1 ? 'Good' : (r.score as number) < 2 ? 'Fair' : 'Bad');
    const expected = (r: Row) =>
      0.5 * Math.max(0, (r.heat as number) - 5) + Math.max(0, 2 - (r.experience as number)) + (r.material === 'titanium' ? 1 : 0);
    const residuals = rows.map((r) => (r.score as number) - expected(r));
    const sd = Math.sqrt(residuals.reduce((s, v) => s + v * v, 0) / residuals.length);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    expect(new Set(rows.map((r) => r.quality))).toEqual(new Set(['Good', 'Fair', 'Bad']));
  });

  it('reads entities and their attributes from a CSV shipped with the project, and starts each life at an attribute date', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: g\n',
      'data/machines.csv': 'code,name,nominal,installed\nA-1,"Press, big",50.5,2025-06-01\nB-2,Lathe,80,2026-02-15\n',
      'sources.yml': `sources:
  - name: plant
    tables:
      - name: readings
        generator:
          seed: 1
          series:
            entities: { file: data/machines.csv, key: code }
            every: 1h
            start: "2026-02-01T00:00:00Z"
            end: "2026-03-01T00:00:00Z"
            lifecycle: { from: { attribute: installed } }
          fields:
            machine: { entity: {} }
            label: { entity: { attribute: name } }
            at: { time: {} }
            value: { signal: { base: { attribute: nominal }, decimals: 1 } }
        columns:
          - { name: at, type: TIMESTAMP WITH TIME ZONE }
`,
    });
    const results = await runDir(dir);
    expect(results.results[0]).toMatchObject({ status: 'success', rows: 28 * 24 + 14 * 24 });
    expect(
      await queryDb(
        dir,
        'select machine, label, min(value) as lo, max(value) as hi, min("at") as first from plant.readings group by 1, 2 order by 1',
      ),
    ).toEqual([
      { machine: 'A-1', label: 'Press, big', lo: 50.5, hi: 50.5, first: new Date('2026-02-01T00:00:00Z') },
      { machine: 'B-2', label: 'Lathe', lo: 80, hi: 80, first: new Date('2026-02-15T00:00:00Z') },
    ]);
    expect(parseCsv('a,"b ""q"", c"\r\n1,2\n')).toEqual([
      ['a', 'b "q", c'],
      ['1', '2'],
    ]);
  });

  it('reports a series kind outside a series, a missing lifecycle, an unknown anomaly field and unsorted bands at compile time', () => {
    expect(checkGenerator({ rows: 5, fields: { t: { time: {} }, s: { signal: { base: 1 } } } })).toEqual([
      'field "t": time needs a series: (entities over time)',
      'field "s": signal needs a series: (entities over time)',
    ]);
    expect(checkGenerator({ fields: { x: { const: 1 } } })).toEqual([
      'rows is required (how many rows to generate), unless the generator is a series',
    ]);
    expect(
      checkGenerator({
        series: {
          entities: { count: 2 },
          rows: 'events',
          last: '1d',
          anomalies: { stuck: { share: 0.1, length: '1h', fields: ['nope'] } },
        },
        fields: {
          e: { lifecycle: 'event' },
          s: { float: { min: 0, max: 1 } },
          b: { bands: { of: 's', cuts: { hi: 2, lo: 1 }, else: 'x' } },
        },
      }),
    ).toEqual([
      'field "e": lifecycle needs series.lifecycle',
      'field "b": bands cuts must ascend (2, 1)',
      'series rows: events needs a lifecycle (its events are the rows)',
      'series.anomalies name "nope", which is not a signal field',
    ]);
    const dir = writeProject({
      'plat_project.yml': 'name: g\n',
      'sources.yml':
        'sources:\n  - name: s\n    tables:\n      - name: t\n        generator:\n          series: { entities: { count: 2 }, last: 1d }\n          fields: { v: { signal: { base: 1, degrade: { add: 2 } } } }\n',
    });
    expect(() => compileDir(dir)).toThrow(
      'sources.yml:6:11 — source s.t: field "v": degrade needs failures in series.lifecycle (it ramps up before each)\nsources.yml:6:11 — source s.t: series needs every (the step between rows, e.g. every: 1m)',
    );
  });
});
