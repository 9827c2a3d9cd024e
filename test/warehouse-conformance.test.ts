/**
 * What every warehouse adapter must do, run against each one: materializations and incremental
 * strategies, keeping the previous relation when a build fails, contracts, the built-in tests'
 * SQL, fingerprints, describe, bulk loads, parameter binding, Kafka landing and the sandbox's
 * refusals. An adapter entry says how to open a fresh warehouse and what its sandbox must also
 * refuse. Besides DuckDB itself, DuckDB is run with the capabilities of Iceberg on Trino (no
 * transactions, temp tables, MERGE or OR REPLACE, positional parameters), so the paths generic
 * code takes on such an engine are exercised now.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { SourceNode } from '../framework/compile/manifest.js';
import { jsonRow } from '../framework/core/json.js';
import { compileProject, readProjectFiles, formatDiagnostic, type RunResults } from '../framework/index.js';
import { executeTest } from '../framework/quality/execute.js';
import type { Executors } from '../framework/run/executors.js';
import { buildExecutors, runOn } from '../framework/run/run.js';
import { builtinSourceLoaders } from '../framework/run/sources/registry.js';
import { Lander } from '../framework/stream/lander.js';
import {
  deadLetterRelation,
  landingSql,
  prepareLanding,
  prepareStaging,
  FIELD,
  RECORD,
  offsetsTable,
  storedOffsets,
} from '../framework/stream/landing.js';
import { newWorkerId } from '../framework/stream/staging.js';
import type { Capabilities, Connection, Warehouse } from '../framework/warehouse/connection.js';
import { positionalParameters } from '../framework/warehouse/parameters.js';
import { normalizeTypes } from '../framework/warehouse/queries.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import { QueryRejected, relationKey, type Relation, type Target } from '../framework/warehouse/types.js';
import { writeProject } from './helpers.js';
import { duckdbSandboxEscapes, sandboxRefusals, trinoSandboxEscapes } from './sandbox-cases.js';
import { dropTrinoSchemas, trinoTestTarget } from './trino-helpers.js';

interface AdapterCase {
  name: string;
  /** plat_project.yml's `target:` for a fresh warehouse of this adapter in the project folder. */
  target: string;
  /** The same, where it depends on the folder (a cluster's schemas of this test alone). */
  targetFor?: (root: string) => string;
  /** The warehouse of the project in `root`, as generic code sees it. */
  open(root: string): Promise<Warehouse>;
  /** Statements its sandbox must refuse beyond those every engine refuses, with what it says. */
  escapes: [string, RegExp][];
  /** Removes what a test left behind. */
  cleanup(root: string): void | Promise<void>;
}

/** Iceberg on Trino, as measured for the scale-out issue. */
const icebergOnTrino: Capabilities = {
  transactions: false,
  transactionalDdl: false,
  tempTables: false,
  appender: false,
  merge: false,
  createOrReplace: false,
  parameters: 'positional',
  readsFiles: true,
  directWriteRows: 0,
};

/** A warehouse whose connections report other capabilities, so generic code takes the paths it would take on such an engine. */
function withCapabilities(warehouse: Warehouse, capabilities: Capabilities): Warehouse {
  return {
    dialect: warehouse.dialect,
    capabilities,
    session: async () => Object.assign(Object.create(await warehouse.session()) as Connection, { capabilities }),
    close: () => warehouse.close(),
  };
}

const duckdbTarget: Target = { type: 'duckdb', path: 'target/plat.duckdb' };
const duckdb = (root: string) => openWarehouse(duckdbTarget, { root });

const adapters: AdapterCase[] = [
  {
    name: 'duckdb',
    target: 'target: { type: duckdb, path: target/plat.duckdb }',
    open: duckdb,
    escapes: duckdbSandboxEscapes,
    cleanup: (root) => rmSync(root, { recursive: true, force: true }),
  },
  {
    name: 'duckdb with the capabilities of Iceberg on Trino',
    target: 'target: { type: duckdb, path: target/plat.duckdb }',
    open: async (root) => withCapabilities(await duckdb(root), icebergOnTrino),
    escapes: duckdbSandboxEscapes,
    cleanup: (root) => rmSync(root, { recursive: true, force: true }),
  },
];

/** The real two-node cluster (test/setup/trino.ts), each test in schemas of its own prefix. */
const trinoUrl = inject('trinoUrl');
if (trinoUrl) {
  const prefixes = new Map<string, string>();
  const targetOf = (root: string) => trinoTestTarget(trinoUrl, inject('trinoFiles'), prefixes.get(root)!);
  adapters.push({
    name: 'trino (Iceberg, two nodes)',
    target: '',
    targetFor: (root) => {
      prefixes.set(root, `c${randomUUID().slice(0, 8)}`);
      const t = targetOf(root);
      return `target: { type: trino, url: "${t.url}", catalog: ${t.catalog}, schema_prefix: ${t.schemaPrefix}${t.landing ? `, landing: { folder: "${t.landing.folder}", location: "${t.landing.location}" }` : ''} }`;
    },
    open: (root) => openWarehouse(targetOf(root), { root }),
    escapes: trinoSandboxEscapes,
    cleanup: async (root) => {
      await dropTrinoSchemas(targetOf(root));
      rmSync(root, { recursive: true, force: true });
    },
  });
}

const executors: Executors = {
  ...buildExecutors(builtinSourceLoaders),
  test: (node, connection) => executeTest(node, connection),
  ml_train: async () => {
    throw new Error('no ML in these projects');
  },
  ml_score: async () => {
    throw new Error('no ML in these projects');
  },
  agent_tool: async () => ({ rows: null, action: 'tool' }),
};

describe.each(adapters)('warehouse adapter: $name', (adapter) => {
  let open: { warehouse: Warehouse; root: string } | null = null;
  afterEach(async () => {
    open?.warehouse.close();
    if (open) await adapter.cleanup(open.root);
    open = null;
  });

  /** A project in a fresh folder with its warehouse open; `run` compiles what is on disk and runs every node. */
  async function project(files: Record<string, string>) {
    const root = writeProject(files);
    writeFileSync(
      join(root, 'plat_project.yml'),
      `name: conformance\n${adapter.targetFor?.(root) ?? adapter.target}\nmodels:\n  defaults: { schema: core }\n`,
    );
    const compiled = (vars: Record<string, unknown> = {}) => {
      const { manifest, diagnostics } = compileProject(readProjectFiles(root), { vars, env: {} });
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) throw new Error(errors.map(formatDiagnostic).join('\n'));
      return manifest;
    };
    const warehouse = await adapter.open(root);
    open = { warehouse, root };
    const connection = await warehouse.session();
    return {
      root,
      connection,
      run: (options: { vars?: Record<string, unknown>; fullRefresh?: boolean } = {}): Promise<RunResults> => {
        const manifest = compiled(options.vars);
        return runOn(warehouse, manifest, new Set(Object.keys(manifest.nodes)), executors, {
          env: {},
          targetDir: null,
          threads: 2,
          fullRefresh: options.fullRefresh,
        });
      },
      rows: async (sql: string) => (await connection.query(sql)).map(jsonRow),
      relation: (schema: string, name: string) => connection.dialect.relation({ schema, name }),
    };
  }

  const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));
  const statuses = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r.status]));

  describe('snapshots and seeds', () => {
    it("keep a snapshot's versions with no transaction: a change, a delete, a row back", async () => {
      const source = (values: string) => `{{config materialized="table"}}select * from (values ${values}) as t(id, name, changed_at)`;
      const at = (day: number) => `cast('2026-01-0${day} 00:00:00' as timestamp)`;
      const p = await project({
        'models/people.sql': source(`(1, 'ann', ${at(1)}), (2, 'bob', ${at(1)})`),
        'snapshots/people_history.sql':
          '{{config unique_key="id" updated_at="changed_at" invalidate_hard_deletes=true}}\nselect * from {{ref "people"}}',
      });
      const history = () =>
        p.rows(
          `select id, name, cast(extract(day from plat_valid_from) as integer) as valid_day, plat_valid_to is null as current from ${p.relation('snapshots', 'people_history')} order by id, plat_valid_from`,
        );
      expect(statuses(await p.run())).toEqual({ people: 'success', people_history: 'success' });
      writeFileSync(join(p.root, 'models/people.sql'), source(`(1, 'anne', ${at(2)})`));
      await p.run();
      writeFileSync(join(p.root, 'models/people.sql'), source(`(1, 'anne', ${at(2)}), (2, 'bob', ${at(1)})`));
      await p.run();
      const rows = await history();
      expect(rows.map((r) => [r.id, r.name, r.current])).toEqual([
        [1, 'ann', false],
        [1, 'anne', true],
        [2, 'bob', false],
        [2, 'bob', true],
      ]);
      expect(rows[1]!.valid_day).toBe(2);
    });

    it('load a seed and replace it when its CSV changes', async () => {
      const p = await project({ 'seeds/codes.csv': 'code,label\nA,first\n' });
      expect(byName(await p.run()).codes).toMatchObject({ status: 'success', rows: 1 });
      writeFileSync(join(p.root, 'seeds/codes.csv'), 'code,label\nA,first\nB,second\n');
      expect(byName(await p.run()).codes).toMatchObject({ status: 'success', rows: 2 });
      expect(await p.rows(`select code from ${p.relation('main', 'codes')} order by code`)).toEqual([{ code: 'A' }, { code: 'B' }]);
    });
  });

  describe('materializations', () => {
    it('builds views, tables and ephemeral models, and says which is which in the catalog', async () => {
      const p = await project({
        'models/base.sql': "{{config materialized=\"table\"}}select 1 as id, 'a' as v union all select 2, 'b'",
        'models/inlined.sql': '{{config materialized="ephemeral"}}select id, v from {{ref "base"}} where id > 1',
        'models/shown.sql': 'select * from {{ref "inlined"}}',
        'models/kept.sql': '{{config materialized="table"}}select id * 10 as id from {{ref "inlined"}}',
      });
      const results = byName(await p.run());
      expect(results.base).toMatchObject({ status: 'success', rows: 2 });
      expect(results.kept).toMatchObject({ status: 'success', rows: 1 });
      expect(results.inlined!.action).toBe('inlined');
      expect(await p.rows(`select * from ${p.relation('core', 'shown')}`)).toEqual([{ id: 2, v: 'b' }]);
      expect(await p.rows(`select * from ${p.relation('core', 'kept')}`)).toEqual([{ id: 20 }]);
      const kinds = await p.connection.relations();
      expect(['base', 'shown', 'kept', 'inlined'].map((name) => kinds.get(relationKey({ schema: 'core', name })) ?? null)).toEqual([
        'table',
        'view',
        'table',
        null,
      ]);
      // Nothing a build stages is left behind.
      expect([...kinds.keys()].filter((key) => key.includes('__plat_'))).toEqual([]);
    });

    it('replaces a view by a table and back', async () => {
      const p = await project({});
      for (const [as, x] of [
        ['view', 1],
        ['table', 2],
        ['view', 3],
      ] as const) {
        mkdirSync(join(p.root, 'models'), { recursive: true });
        writeFileSync(join(p.root, 'models/r.sql'), `{{config materialized="${as}"}}select ${x} as x`);
        expect(statuses(await p.run())).toEqual({ r: 'success' });
        expect((await p.connection.relations()).get(relationKey({ schema: 'core', name: 'r' }))).toBe(as);
        expect(await p.rows(`select x from ${p.relation('core', 'r')}`)).toEqual([{ x }]);
      }
    });

    /** An incremental model over an input table each run rewrites. */
    const incremental = (strategy: string, key: string | null) =>
      project({
        'models/input.sql': '{{config materialized="table"}}select * from (values {{var "rows"}}) as t(id, v, batch)',
        'models/target.sql': `{{config materialized="incremental" incremental_strategy="${strategy}"${key ? ` unique_key="${key}"` : ''}}}
select id, v, batch from {{ref "input"}}
{{#if (is_incremental)}}
where batch > (select max(batch) from {{this}})
{{/if}}`,
      });

    it.each([
      [
        'append',
        null,
        "(1, 'a', 1)",
        "(1, 'a', 1), (1, 'again', 2)",
        1,
        [
          [1, 'a', 1],
          [1, 'again', 2],
        ],
      ],
      [
        'merge',
        'id',
        "(1, 'a', 1), (2, 'b', 1)",
        "(1, 'a', 1), (2, 'b', 1), (2, 'B', 2), (3, 'c', 2)",
        2,
        [
          [1, 'a', 1],
          [2, 'B', 2],
          [3, 'c', 2],
        ],
      ],
      [
        'delete+insert',
        'id',
        "(1, 'a', 1), (1, 'a2', 1), (2, 'b', 1)",
        "(1, 'x', 2), (3, 'c', 2)",
        2,
        [
          [1, 'x', 2],
          [2, 'b', 1],
          [3, 'c', 2],
        ],
      ],
    ] as const)('builds an incremental model with %s', async (strategy, key, first, second, added, expected) => {
      const p = await incremental(strategy, key);
      expect(byName(await p.run({ vars: { rows: first } })).target!.action).toBe('incremental (new)');
      const next = byName(await p.run({ vars: { rows: second } })).target!;
      expect(next).toMatchObject({ status: 'success', action: `incremental (${strategy})`, rows: added });
      const rows = await p.rows(`select id, v, batch from ${p.relation('core', 'target')} order by id, batch`);
      expect(rows.map((r) => [r.id, r.v, r.batch])).toEqual(expected);
    });

    it('adds new columns of an incremental model when told to', async () => {
      const p = await project({
        'models/inc.sql':
          '{{config materialized="incremental" unique_key="id" on_schema_change="append_new_columns"}}select {{var "select"}}',
      });
      await p.run({ vars: { select: '1 as id' } });
      expect(statuses(await p.run({ vars: { select: "2 as id, 'x' as extra" } }))).toEqual({ inc: 'success' });
      expect(await p.rows(`select id, extra from ${p.relation('core', 'inc')} order by id`)).toEqual([
        { id: 1, extra: null },
        { id: 2, extra: 'x' },
      ]);
    });
  });

  describe('a failed build keeps the previous relation', () => {
    it('of a table', async () => {
      const p = await project({ 'models/t.sql': '{{config materialized="table"}}select {{var "x"}} as x' });
      await p.run({ vars: { x: 1 } });
      const failed = byName(await p.run({ vars: { x: "cast('nope' as integer)" } })).t!;
      expect(failed.status).toBe('error');
      expect(await p.rows(`select x from ${p.relation('core', 't')}`)).toEqual([{ x: 1 }]);
      expect([...(await p.connection.relations()).keys()].filter((k) => k.includes('__plat_'))).toEqual([]);
    });

    it('of an incremental model', async () => {
      const p = await project({
        'models/inc.sql':
          '{{config materialized="incremental" unique_key="id" incremental_strategy="merge"}}select {{var "id"}} as id, {{var "x"}} as x',
      });
      await p.run({ vars: { id: 1, x: 1 } });
      expect(statuses(await p.run({ vars: { id: 2, x: "cast('nope' as integer)" } }))).toEqual({ inc: 'error' });
      expect(await p.rows(`select id, x from ${p.relation('core', 'inc')}`)).toEqual([{ id: 1, x: 1 }]);
    });
  });

  it("points a model's SQL error at the line of its .sql file", async () => {
    const p = await project({
      'models/broken.sql':
        '{{config materialized="table"}}\n-- a comment\nselect 1 as id,\n  no_such_column as x\nfrom (select 1 as y) as t',
    });
    const broken = byName(await p.run()).broken!;
    expect(broken.status).toBe('error');
    expect({ file: broken.error!.file, line: broken.error!.line }).toEqual({ file: 'models/broken.sql', line: 4 });
    expect(broken.error!.message).toMatch(/no_such_column/i);
  });

  describe('contracts', () => {
    const contracted = (type: string) => ({
      'models/c.sql': '{{config materialized="table"}}select {{var "x"}} as x',
      'models/c.yml': `models:\n  - name: c\n    contract: enforced\n    columns:\n      - { name: x, type: ${type} }\n`,
    });

    it('builds what meets its contract and keeps the previous version when a change breaks it', async () => {
      const p = await project(contracted('INTEGER'));
      expect(statuses(await p.run({ vars: { x: 'cast(1 as integer)' } }))).toEqual({ c: 'success' });
      const broken = byName(await p.run({ vars: { x: "'text'" } })).c!;
      expect(broken.status).toBe('error');
      expect(broken.error!.message).toMatch(
        /^contract of core\.c not met: x is .+, the contract says .+\. The previous version was kept\.$/,
      );
      expect(await p.rows(`select x from ${p.relation('core', 'c')}`)).toEqual([{ x: 1 }]);
    });

    it('checks a view before it replaces the previous one', async () => {
      const p = await project({ ...contracted('INTEGER'), 'models/c.sql': 'select {{var "x"}} as x' });
      expect(statuses(await p.run({ vars: { x: 'cast(1 as integer)' } }))).toEqual({ c: 'success' });
      expect(statuses(await p.run({ vars: { x: "'text'" } }))).toEqual({ c: 'error' });
      expect(await p.rows(`select x from ${p.relation('core', 'c')}`)).toEqual([{ x: 1 }]);
    });
  });

  describe('built-in tests', () => {
    const tests = `models:
  - name: items
    tests:
      - { row_count: { min: 1, max: {{max}} } }
      - { unique_combination: [id, kind] }
      - { expression: "price >= 0" }
      - { recency: { field: seen_at, max_age: 1d } }
    columns:
      - { name: id, tests: [not_null, unique] }
      - { name: kind, tests: [{ accepted_values: [a, b] }] }
      - { name: price, tests: [{ range: { min: 0, max: 100 } }] }
      - { name: owner, tests: [{ relationships: { to: owners, field: id } }] }
`;
    const items = (rows: string) => ({
      'models/owners.sql': '{{config materialized="table"}}select 1 as id union all select 2',
      'models/items.sql': `{{config materialized="table"}}select * from (values ${rows}) as t(id, kind, price, owner, seen_at)`,
      'models/items.yml': tests.replace('{{max}}', '3'),
    });
    const now = new Date().toISOString();

    it('each passes on good data', async () => {
      const p = await project(items(`(1, 'a', 10, 1, '${now}'), (2, 'b', 20, 2, '${now}')`));
      const results = await p.run();
      const failing = results.results.filter((r) => r.status !== 'success' && r.status !== 'pass');
      expect(failing.map((r) => `${r.name}: ${r.status} ${r.error?.message ?? r.failures}`)).toEqual([]);
      expect(results.results.filter((r) => r.kind === 'test')).toHaveLength(9);
    });

    it('each fails on bad data, counting the failing rows', async () => {
      const bad = `(1, 'a', 10, 1, '2000-01-01T00:00:00Z'), (1, 'a', -5, 3, '2000-01-01T00:00:00Z'), (NULL, 'c', 500, 2, '2000-01-01T00:00:00Z'), (4, 'b', 1, 2, '2000-01-01T00:00:00Z')`;
      const p = await project(items(bad));
      const failures = Object.fromEntries(
        (await p.run()).results.filter((r) => r.kind === 'test').map((r) => [r.name, [r.status, r.failures]]),
      );
      expect(failures).toEqual({
        not_null_items_id: ['fail', 1],
        unique_items_id: ['fail', 1],
        accepted_values_items_kind: ['fail', 1],
        range_items_price: ['fail', 2],
        relationships_items_owner: ['fail', 1],
        row_count_items: ['fail', 1],
        unique_combination_items: ['fail', 1],
        expression_items: ['fail', 1],
        recency_items: ['fail', 1],
      });
    });
  });

  describe('the connection', () => {
    const table = { schema: 'core', name: 'facts' };

    async function loaded(p: Awaited<ReturnType<typeof project>>, relation: Relation, rows: unknown[][]) {
      const { dialect } = p.connection;
      const { text, integer, double } = dialect.types;
      await p.connection.execute([
        dialect.createSchema(relation.schema),
        dialect.createTable(
          relation,
          [
            { name: 'id', type: integer },
            { name: 'name', type: text },
            { name: 'amount', type: double },
          ],
          { replace: true },
        ),
      ]);
      await p.connection.bulkLoad(relation, rows);
    }

    it('fingerprints rows whatever their order, and tells a changed value', async () => {
      const p = await project({});
      const { dialect } = p.connection;
      const digest = async (relation: Relation) => {
        const columns = await p.connection.columns(relation);
        return p.rows(dialect.fingerprint(`SELECT * FROM ${dialect.relation(relation)}`, columns, { roundFloats: true }));
      };
      await loaded(p, table, [
        [1, 'a', 1.5],
        [2, 'b', 2.5],
        [3, 'c', 0.1 + 0.2],
      ]);
      const again = { schema: 'core', name: 'facts_shuffled' };
      await loaded(p, again, [
        [3, 'c', 0.30000000000000004],
        [1, 'a', 1.5],
        [2, 'b', 2.5],
      ]);
      const changed = { schema: 'core', name: 'facts_changed' };
      await loaded(p, changed, [
        [1, 'a', 1.5],
        [2, 'b', 2.5],
        [3, 'C', 0.3],
      ]);
      const [first, shuffled, other] = [await digest(table), await digest(again), await digest(changed)];
      expect(first[0]!.n).toBe(3);
      expect(shuffled).toEqual(first);
      expect(other).not.toEqual(first);
    });

    it('describes a query without running it, in the catalog spelling of its types', async () => {
      const p = await project({});
      const { dialect } = p.connection;
      const { integer, text, double, boolean } = dialect.types;
      const described = await p.connection.describe(
        `SELECT ${dialect.cast('1', integer)} AS a, ${dialect.cast("'x'", text)} AS b, ${dialect.cast('1.5', double)} AS c, ${dialect.cast('NULL', boolean)} AS d`,
      );
      expect(described.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd']);
      expect(described.map((c) => c.type)).toEqual(await normalizeTypes(p.connection, [integer, text, double, boolean]));
    });

    it('loads every column type plat declares in bulk', async () => {
      const p = await project({});
      const { dialect } = p.connection;
      const columns = Object.entries(dialect.types).map(([name, type]) => ({ name, type }));
      const relation = { schema: 'core', name: 'all_types' };
      await p.connection.execute([dialect.createSchema('core'), dialect.createTable(relation, columns)]);
      const row = {
        text: 'it\'s "text"',
        integer: 42,
        bigint: 9_007_199_254_740_993n,
        double: 0.1,
        boolean: true,
        timestamptz: '2026-11-20T10:00:00.000Z',
      };
      expect(await p.connection.bulkLoad(relation, [columns.map((c) => row[c.name as keyof typeof row]), columns.map(() => null)])).toBe(2);
      const read = await p.connection.query(`SELECT * FROM ${dialect.relation(relation)} ORDER BY ${dialect.identifier('integer')}`);
      expect({ ...read[0], timestamptz: (read[0]!.timestamptz as Date).toISOString() }).toEqual(row);
      expect(Object.values(read[1]!)).toEqual(columns.map(() => null));
    });

    it('binds parameters, never pasting them into the SQL', async () => {
      const p = await project({});
      const text = "'; DROP TABLE x; --";
      expect((await p.connection.query('SELECT ? AS a, ? AS b', [7, text])).map(jsonRow)).toEqual([{ a: 7, b: text }]);
      expect(positionalParameters("select $a, '$a', $b, $a -- $c\n", { a: 1, b: 2, c: 3 })).toEqual({
        sql: "select ?, '$a', ?, ? -- $c\n",
        values: [1, 2, 1],
      });
    });
  });

  it('lands Kafka messages, their dead letters and offsets together, and moves values it cannot store to the dead letters', async () => {
    const p = await project({
      'sources.yml':
        'sources:\n  - name: shop\n    tables:\n      - name: events\n        kafka: { topic: events }\n        columns:\n          - { name: id, type: INTEGER }\n          - { name: day, type: DATE }\n',
    });
    const manifest = compileProject(readProjectFiles(p.root), { env: {} }).manifest;
    const node = Object.values(manifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
    const { connection } = p;
    await prepareLanding(connection, node);
    const staging = await prepareStaging(connection, node, newWorkerId());
    let unlanded = -1;
    const lander = new Lander(
      connection,
      staging,
      (offsets) => landingSql(connection.dialect, node, 'events', staging, offsets, new Date()),
      (_, count) => (unlanded = count),
    );
    const message = (offset: number, text: string) => `${offset}${FIELD}1700000000000${FIELD}${text}`;
    const payload = [message(0, '{"id": 1, "day": "2026-11-20"}'), message(1, '{"id": 2, "day": "2026-02-30"}')].join(RECORD);
    await lander.add({
      partition: 0,
      rows: [[payload, 0]],
      valid: 2,
      dead: [['not json', 'not JSON', 'events', 0, 2, '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:00.000Z']],
      firstOffset: 0,
      nextOffset: 3,
    });
    await lander.flush();
    expect(unlanded).toBe(1);
    expect(await p.rows(`SELECT id, _offset FROM ${connection.dialect.relation(node.relation)}`)).toEqual([{ id: 1, _offset: 0 }]);
    const dead = await p.rows(`SELECT _raw, error, _offset FROM ${connection.dialect.relation(deadLetterRelation(node))} ORDER BY _offset`);
    expect(dead).toEqual([
      { _raw: '{"id": 2, "day": "2026-02-30"}', error: 'day: "2026-02-30" cannot be stored as DATE', _offset: 1 },
      { _raw: 'not json', error: 'not JSON', _offset: 2 },
    ]);
    expect(await storedOffsets(connection, node, 'events')).toEqual(new Map([[0, 3]]));
    expect(await p.rows(`SELECT count(*) AS n FROM ${connection.dialect.relation(offsetsTable)}`)).toEqual([{ n: 1 }]);
  });

  describe('the sandbox', () => {
    /** The project built, its warehouse closed, and opened again sandboxed. */
    async function sandboxed() {
      const p = await project({
        'models/marts/revenue_per_hour.sql': '{{config materialized="table" schema="marts"}}select 1 as hour, 10.5 as revenue',
      });
      await p.run();
      p.connection.close();
      open!.warehouse.close();
      const manifest = compileProject(readProjectFiles(p.root), { env: {} }).manifest;
      const warehouse = await openWarehouse(manifest.target, { root: p.root, mode: 'sandboxed' });
      open = { warehouse: warehouse as unknown as Warehouse, root: p.root };
      return { connection: await warehouse.session(), revenue: p.relation('marts', 'revenue_per_hour') };
    }
    const limits = { rows: 100, timeoutMs: 10_000, bytes: 1_000_000 };

    it('runs one SELECT with its parameters bound, by name or in order', async () => {
      const { connection, revenue } = await sandboxed();
      expect((await connection.guardedQuery(`select revenue * $times as r from ${revenue}`, { times: 2 }, limits)).rows).toEqual([
        { r: 21 },
      ]);
      const positional = positionalParameters(`select revenue * $times as r from ${revenue}`, { times: 3 });
      expect((await connection.guardedQuery(positional.sql, positional.values, limits)).rows).toEqual([{ r: 31.5 }]);
      connection.close();
    });

    it.each([...sandboxRefusals, ...adapter.escapes])('refuses %s', async (statement, reason) => {
      const { connection, revenue } = await sandboxed();
      const refused = await connection.guardedQuery(statement, {}, limits).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(QueryRejected);
      expect((refused as Error).message).toMatch(reason);
      expect((await connection.guardedQuery(`select count(*) as n from ${revenue}`, {}, limits)).rows).toEqual([{ n: 1 }]);
      connection.close();
    });
  });
});
