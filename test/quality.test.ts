import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, sourceFreshness, test as runTests, type NodeResult, type RunResults } from '../framework/index.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { compileDir, plat, queryDb, writeProject } from './helpers.js';

// orders: 5 rows with one duplicate id, one null customer, one unknown status, one negative amount.
const ordersSql = `{{config materialized="table"}}
select * from (values
  (1, 10, 'placed', 20.0, timestamp '2026-01-01 10:00:00'),
  (2, 11, 'placed', 35.5, timestamp '2026-01-01 11:00:00'),
  (2, 12, 'shipped', 12.0, timestamp '2026-01-01 12:00:00'),
  (3, null, 'lost', -5.0, timestamp '2026-01-01 13:00:00'),
  (4, 10, 'placed', 8.0, timestamp '2026-01-01 14:00:00')
) t(order_id, customer_id, status, amount, ordered_at)`;
const customersSql = `{{config materialized="table"}}select * from (values (10, 'ann'), (11, 'bob')) t(customer_id, name)`;

function qualityProject(ordersTests: string, extra: Record<string, string> = {}) {
  return writeProject({
    'plat_project.yml': 'name: q\nthreads: 2\n',
    'models/orders.sql': ordersSql,
    'models/customers.sql': customersSql,
    'models/order_totals.sql': 'select customer_id, sum(amount) as total from {{ref "orders"}} group by 1',
    'models/orders.yml': `models:\n  - name: orders\n${ordersTests}`,
    ...extra,
  });
}

const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));
const outcome = (r: NodeResult | undefined) => r && [r.status, r.failures];

describe('generic tests', () => {
  it('each built-in test passes on good data and fails on bad, counting failing rows', async () => {
    const dir = qualityProject(`    tests:
      - row_count: { min: 1, max: 10 }
      - row_count: { min: 6, name: too_few_orders }
      - unique_combination: { columns: [order_id, customer_id] }
      - unique_combination: { columns: [order_id], name: order_id_combination }
      - expression: "amount > 0"
      - recency: { field: ordered_at, max_age: 1d }
    columns:
      - name: order_id
        tests: [not_null, unique]
      - name: customer_id
        tests:
          - not_null
          - relationships: { to: customers, field: customer_id }
      - name: status
        tests:
          - accepted_values: { values: [placed, shipped, cancelled] }
      - name: amount
        tests:
          - range: { min: 0, max: 100 }
          - range: { min: 8, max: 35.5, inclusive: false, name: amount_strictly_inside }
`);
    const results = byName(await build(compileDir(dir), { env: {}, now: () => new Date() }));
    expect(outcome(results.row_count_orders)).toEqual(['pass', 0]);
    expect(outcome(results.too_few_orders)).toEqual(['fail', 1]);
    expect(outcome(results.unique_combination_orders)).toEqual(['pass', 0]);
    expect(outcome(results.order_id_combination)).toEqual(['fail', 1]);
    expect(outcome(results.expression_orders)).toEqual(['fail', 1]);
    expect(outcome(results.recency_orders)).toEqual(['fail', 1]);
    expect(outcome(results.not_null_orders_order_id)).toEqual(['pass', 0]);
    expect(outcome(results.unique_orders_order_id)).toEqual(['fail', 1]);
    expect(results.unique_orders_order_id!.sample).toEqual([{ unique_value: 2, n_records: 2 }]);
    expect(outcome(results.not_null_orders_customer_id)).toEqual(['fail', 1]);
    expect(outcome(results.relationships_orders_customer_id)).toEqual(['fail', 1]);
    expect(results.relationships_orders_customer_id!.sample).toEqual([expect.objectContaining({ order_id: 2, customer_id: 12 })]);
    expect(outcome(results.accepted_values_orders_status)).toEqual(['fail', 1]);
    expect(outcome(results.range_orders_amount)).toEqual(['fail', 1]);
    expect(outcome(results.amount_strictly_inside)).toEqual(['fail', 3]);
  });

  it('applies where filters and warn_if / error_if thresholds', async () => {
    const dir = qualityProject(`    columns:
      - name: amount
        tests:
          - range: { min: 0, where: "status <> 'lost'", name: amount_ok_when_not_lost }
          - range: { min: 10, name: two_small, error_if: ">3", warn_if: ">=1" }
          - range: { min: 10, name: two_small_strict, error_if: ">1" }
          - range: { min: 10, name: two_small_lenient, error_if: ">2" }
          - range: { min: 10, name: two_small_warn, severity: warn, warn_if: ">5" }
`);
    const results = byName(await build(compileDir(dir), { env: {} }));
    expect(outcome(results.amount_ok_when_not_lost)).toEqual(['pass', 0]);
    expect(outcome(results.two_small)).toEqual(['warn', 2]);
    expect(outcome(results.two_small_strict)).toEqual(['fail', 2]);
    expect(outcome(results.two_small_lenient)).toEqual(['warn', 2]);
    expect(outcome(results.two_small_warn)).toEqual(['pass', 2]);
  });

  it('stores failing rows in audit.<test>, replaced on every run', async () => {
    const dir = qualityProject(`    columns:
      - name: status
        tests:
          - accepted_values: { values: [placed], store_failures: true }
`);
    await build(compileDir(dir), { env: {} });
    expect(await queryDb(dir, 'select order_id, status from audit.accepted_values_orders_status order by order_id')).toEqual([
      { order_id: 2, status: 'shipped' },
      { order_id: 3, status: 'lost' },
    ]);
    writeFileSync(join(dir, 'models/orders.sql'), ordersSql.replace("'lost'", "'placed'"));
    await build(compileDir(dir), { env: {} });
    expect(await queryDb(dir, 'select order_id from audit.accepted_values_orders_status')).toEqual([{ order_id: 2 }]);
  });

  it('runs custom generic tests from tests/generic and singular tests from tests/', async () => {
    const dir = qualityProject(
      `    columns:
      - name: amount
        tests:
          - at_most: { limit: 30 }
`,
      {
        'tests/generic/at_most.sql': 'select * from {{model}} where {{column}} > {{limit}}',
        'tests/every_customer_has_orders.sql':
          '{{config severity="warn"}}\nselect c.* from {{ref "customers"}} c\nwhere not exists (select 1 from {{ref "orders"}} o where o.customer_id = c.customer_id and o.amount > 30)',
      },
    );
    const manifest = compileDir(dir);
    expect(manifest.nodes['test.q.every_customer_has_orders']).toMatchObject({ testType: 'singular', attachedTo: 'model.q.orders' });
    const results = byName(await build(manifest, { env: {} }));
    expect(outcome(results.at_most_orders_amount)).toEqual(['fail', 1]);
    expect(outcome(results.every_customer_has_orders)).toEqual(['warn', 1]);
  });

  it('reports unknown tests and arguments with their place', () => {
    const dir = qualityProject(`    columns:
      - name: amount
        tests:
          - not_nul
          - range: { minimum: 0 }
          - accepted_values: { values: [a], severity: fatal }
`);
    const diagnostics = compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);
    expect(diagnostics).toEqual([
      'models/orders.yml:6:13 — unknown test "not_nul" — did you mean "not_null"?',
      'models/orders.yml:7:13 — range has no argument "minimum" — arguments: min, max, inclusive, min_inclusive, max_inclusive',
      'models/orders.yml:7:13 — range needs min, max or both',
      'models/orders.yml:8:13 — severity "fatal" is not error or warn',
    ]);
  });

  it('reports a test named like a JavaScript object member (toString) as unknown, not as a bug in plat', () => {
    const dir = qualityProject('    columns:\n      - name: amount\n        tests: [toString, constructor]\n');
    const diagnostics = compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);
    expect(diagnostics).toEqual([
      'models/orders.yml:5:17 — unknown test "toString" — define it as tests/generic/<name>.sql',
      'models/orders.yml:5:27 — unknown test "constructor" — define it as tests/generic/<name>.sql',
    ]);
  });
});

describe('plat build with tests', () => {
  it('skips everything downstream of a model whose error-severity test fails, but not on a warning', async () => {
    const failing = qualityProject(`    columns:\n      - name: order_id\n        tests: [unique]\n`);
    const results = byName(await build(compileDir(failing), { env: {} }));
    expect(results.unique_orders_order_id!.status).toBe('fail');
    expect(results.order_totals).toMatchObject({ status: 'skipped', skippedBecause: 'unique_orders_order_id' });
    expect(results.customers!.status).toBe('success');

    const warning = qualityProject(`    columns:\n      - name: order_id\n        tests: [{ unique: { severity: warn } }]\n`);
    const warned = byName(await build(compileDir(warning), { env: {} }));
    expect(warned.unique_orders_order_id!.status).toBe('warn');
    expect(warned.order_totals!.status).toBe('success');
  });

  it('leaves out of build a test that --exclude names, and builds what the failing test would have skipped', async () => {
    const failing = qualityProject(`    columns:\n      - name: order_id\n        tests: [unique]\n`);
    const results = byName(await build(compileDir(failing), { env: {}, exclude: ['unique_orders_order_id'] }));
    expect(results.unique_orders_order_id).toBeUndefined();
    expect(results.orders!.status).toBe('success');
    expect(results.order_totals!.status).toBe('success');
  });

  it('selects tests by test_type and by the model they check', async () => {
    const dir = qualityProject(`    columns:\n      - name: order_id\n        tests: [unique, not_null]\n`, {
      'models/customers.yml': 'models:\n  - name: customers\n    columns:\n      - name: name\n        tests: [not_null]\n',
    });
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    const names = async (select: string[]) => (await runTests(manifest, { env: {}, select })).results.map((r) => r.name).sort();
    expect(await names(['customers'])).toEqual(['not_null_customers_name']);
    expect(await names(['test_type:generic,orders+'])).toEqual(['not_null_orders_order_id', 'unique_orders_order_id']);
  });
});

describe('unit tests', () => {
  const unit = (expect: string) =>
    qualityProject('    columns: []\n', {
      'models/units.yml': `unit_tests:
  - name: totals
    model: order_totals
    given:
      - ref: orders
        rows:
          - { order_id: 1, customer_id: 10, amount: 5.0 }
          - { order_id: 2, customer_id: 10, amount: 7.5 }
          - { order_id: 3, customer_id: 11, amount: 1.0 }
    expect:
${expect}
`,
    });

  it('passes when the model returns exactly the expected rows, in any order', async () => {
    const results = byName(
      await runTests(
        compileDir(unit('      rows:\n        - { customer_id: 11, total: 1.0 }\n        - { customer_id: 10, total: 12.5 }')),
        { env: {} },
      ),
    );
    expect(outcome(results.totals)).toEqual(['pass', 0]);
  });

  it('shows missing and extra rows when it does not, and the CLI prints both', async () => {
    const dir = unit('      rows:\n        - { customer_id: 10, total: 12.5 }\n        - { customer_id: 12, total: 3.0 }');
    const results = byName(await runTests(compileDir(dir), { env: {} }));
    expect(outcome(results.totals)).toEqual(['fail', 2]);
    expect(results.totals!.unitDiff).toEqual({
      columns: ['customer_id', 'total'],
      missing: [{ customer_id: 12, total: 3 }],
      extra: [{ customer_id: 11, total: 1 }],
    });
    const { stdout, code } = plat(['test'], dir);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL  test totals');
    expect(stdout).toMatch(/missing \(expected, not returned\):\n\s+customer_id\s+total\n[─ ]+\n\s+12\s+3\n/);
    expect(stdout).toMatch(/extra \(returned, not expected\):\n\s+customer_id\s+total\n[─ ]+\n\s+11\s+1\n/);
  });

  it('compares row by row when ordered, showing where the order differs', async () => {
    const ordered = (rows: string) =>
      qualityProject('    columns: []\n', {
        'models/ranked.sql': 'select customer_id, total from {{ref "order_totals"}} order by total desc',
        'models/units.yml': `unit_tests:\n  - name: ranked_by_total\n    model: ranked\n    given:\n      - ref: order_totals\n        rows:\n          - { customer_id: 1, total: 5.0 }\n          - { customer_id: 2, total: 9.0 }\n    expect:\n      ordered: true\n      rows:\n${rows}`,
      });
    const right = byName(await runTests(compileDir(ordered('        - { customer_id: 2 }\n        - { customer_id: 1 }\n')), { env: {} }));
    expect(outcome(right.ranked_by_total)).toEqual(['pass', 0]);
    const wrong = byName(await runTests(compileDir(ordered('        - { customer_id: 1 }\n        - { customer_id: 2 }\n')), { env: {} }));
    expect(outcome(wrong.ranked_by_total)).toEqual(['fail', 4]);
    expect(wrong.ranked_by_total!.unitDiff!.missing).toEqual([
      { row_number: 1, customer_id: 1 },
      { row_number: 2, customer_id: 2 },
    ]);
  });

  it('names the given columns typed as text when the model fails on their type', async () => {
    const dir = qualityProject('    columns: []\n', {
      'models/recent.sql': 'select customer_id from {{ref "order_totals"}} where seen_at > timestamp \'2026-01-01 00:00:00\'',
      'models/units.yml':
        'unit_tests:\n  - name: recent_only\n    model: recent\n    given:\n      - ref: order_totals\n        rows:\n          - { customer_id: 1, seen_at: "2026-02-01T00:00:00Z" }\n    expect:\n      rows:\n        - { customer_id: 1 }\n',
    });
    const results = byName(await runTests(compileDir(dir), { env: {}, select: ['recent_only'] }));
    expect(results.recent_only!.status).toBe('error');
    expect(results.recent_only!.error!.hint).toBe(
      "given rows are typed from the inputs' declared columns; undeclared ones given as strings are text here (order_totals.seen_at): declare their data_type in the input's properties",
    );
  });

  it('says which inputs are missing or not read', () => {
    const dir = qualityProject('    columns: []\n', {
      'models/units.yml':
        'unit_tests:\n  - name: bad\n    model: order_totals\n    given:\n      - ref: customers\n        rows: []\n    expect:\n      rows: []\n',
    });
    const diagnostics = compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);
    expect(diagnostics).toEqual([
      'models/units.yml:5:9 — unit test bad: order_totals does not read model "customers" — it reads: orders',
      'models/units.yml:5:7 — unit test bad: needs rows for ref orders — add it under given: (rows: [] for an empty input)',
    ]);
  });
});

describe('contracts', () => {
  it('fails a build whose columns do not match, before the swap, keeping the previous table', async () => {
    const props = (type: string) =>
      `models:\n  - name: t\n    contract: enforced\n    columns:\n      - { name: id, type: ${type} }\n      - { name: label, type: VARCHAR }\n`;
    const dir = writeProject({
      'plat_project.yml': 'name: c\n',
      'models/t.sql': '{{config materialized="table"}}select 1 as id, \'a\' as label',
      'models/t.yml': props('INT'),
    });
    expect(byName(await build(compileDir(dir), { env: {} })).t!.status).toBe('success');
    writeFileSync(join(dir, 'models/t.sql'), '{{config materialized="table"}}select \'two\' as id, 2 as extra');
    const failed = byName(await build(compileDir(dir), { env: {} })).t!;
    expect(failed.status).toBe('error');
    expect(failed.error!.message).toBe(
      'contract of main.t not met: id is VARCHAR, the contract says INTEGER; missing column label (VARCHAR); column extra (INTEGER) is not in the contract. The previous version was kept.',
    );
    expect(await queryDb(dir, 'select * from main.t')).toEqual([{ id: 1, label: 'a' }]);
  });

  it('leaves no table behind when a first build, built under its own name, breaks its contract', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: c\n',
      'models/t.sql': '{{config materialized="table"}}select \'one\' as id',
      'models/t.yml': 'models:\n  - name: t\n    contract: enforced\n    columns:\n      - { name: id, type: INTEGER }\n',
    });
    const failed = byName(await build(compileDir(dir), { env: {} })).t!;
    expect(failed.status).toBe('error');
    expect(failed.error!.message).toBe(
      'contract of main.t not met: id is VARCHAR, the contract says INTEGER. The previous version was kept.',
    );
    expect(
      await queryDb(dir, "select table_name from information_schema.tables where table_schema = 'main' and table_name like 't%'"),
    ).toEqual([]);
  });

  it('needs a type on every column of an enforced contract', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: c\n',
      'models/t.sql': 'select 1 as id',
      'models/t.yml': 'models:\n  - name: t\n    contract: enforced\n    columns:\n      - { name: id }\n',
    });
    expect(compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'models/t.yml:5:9 — t enforces a contract, but column id has no type — add type: (e.g. INTEGER, VARCHAR, TIMESTAMP WITH TIME ZONE)',
    ]);
  });
});

describe('source freshness', () => {
  it('passes, warns and errors by the age of the newest row', async () => {
    const table = (name: string, warn: string, error: string) => `      - name: ${name}
        freshness: { field: at, warn_after: ${warn}, error_after: ${error} }
        generator:
          rows: 3
          fields:
            at: { timestamp: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" } }
`;
    const dir = writeProject({
      'plat_project.yml': 'name: f\n',
      'sources.yml': `sources:\n  - name: s\n    tables:\n${table('fresh', '1d', '2d')}${table('stale', '1h', '2d')}${table('dead', '1h', '6h')}`,
    });
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    const results = await sourceFreshness(manifest, { now: new Date('2026-01-01T12:00:00Z') });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['s.fresh', 'pass'],
      ['s.stale', 'warn'],
      ['s.dead', 'error'],
    ]);
    expect(results[0]!.ageSeconds).toBeGreaterThan(11 * 3600);
    const cli = plat(['source', 'freshness', '--select', 'source:s.dead'], dir);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(
      /1 of 1 ERROR source s\.dead: newest at 2026-01-01T00:\d\d:\d\d\.\d+Z, \d+d? ?\d*h? ?\d+m old \(warn after 1h, error after 6h\)/,
    );
  });
});
