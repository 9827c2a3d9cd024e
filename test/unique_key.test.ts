import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { plat, queryDb, runDir, writeProject } from './helpers.js';

const diagnosticsOf = (dir: string) => compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);
const errorOf = async (dir: string) => (await runDir(dir)).results.find((r) => r.name === 'events')!.error;
const tables = async (dir: string) =>
  (await queryDb(dir, "select table_name from information_schema.tables where table_name like 'events%'")).map((r) => r.table_name);

const MODEL = 'select 1 as event_id, 10 as amount\n';

describe('a unique_key that names no column', () => {
  it('fails the first build at the {{config}} that sets it, before anything is merged', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': `-- events, one row per id\n{{config materialized="incremental" unique_key="evnt_id"}}\n${MODEL}`,
    });
    expect(await errorOf(dir)).toEqual({
      message: 'unique_key "evnt_id" is not a column of the model (it returns event_id, amount)',
      file: 'models/events.sql',
      line: 2,
      column: 48,
      hint: 'did you mean "event_id"?',
    });
    expect(await tables(dir)).toEqual([]);
  });

  it('points at the config in the model properties', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': MODEL,
      'models/events.yml':
        'models:\n  - name: events\n    config:\n      materialized: incremental\n      unique_key: [event_id, user_id]\n',
    });
    expect(await errorOf(dir)).toMatchObject({
      message: 'unique_key "user_id" is not a column of the model (it returns event_id, amount)',
      file: 'models/events.yml',
      line: 5,
      column: 19,
    });
  });

  it('points at the folder config in plat_project.yml', async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: u\nmodels:\n  defaults: { unique_key: id }\n  paths:\n    facts:\n      materialized: incremental\n      unique_key: id\n',
      'models/facts/events.sql': MODEL,
    });
    expect(await errorOf(dir)).toMatchObject({
      file: 'plat_project.yml',
      line: 7,
      column: 19,
      hint: 'set unique_key to the column(s) that identify a row',
    });
  });

  it('fails the incremental run whose model no longer returns the key, keeping the table', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': `{{config materialized="incremental" unique_key="event_id"}}\n${MODEL}`,
    });
    expect((await runDir(dir)).success).toBe(true);
    writeFileSync(
      join(dir, 'models/events.sql'),
      '{{config materialized="incremental" unique_key="event_id"}}\n\nselect 2 as id, 20 as amount\n',
    );
    expect(await errorOf(dir)).toMatchObject({
      message: 'unique_key "event_id" is not a column of the model (it returns id, amount)',
      file: 'models/events.sql',
      line: 1,
      column: 48,
    });
    expect(await queryDb(dir, 'select * from main.events')).toEqual([{ event_id: 1, amount: 10 }]);
  });

  it('is reported at compile time when the model declares its columns', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': `{{config materialized="incremental" unique_key="evnt_id"}}\n${MODEL}`,
      'models/events.yml': 'models:\n  - name: events\n    columns:\n      - name: event_id\n      - name: amount\n',
      'models/orders.sql': MODEL,
      'models/orders.yml':
        'models:\n  - name: orders\n    config: { materialized: incremental, unique_key: order_id }\n    columns: [{ name: event_id }]\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/events.sql:1:48 — unique_key "evnt_id" is not a column of events (its properties in models/events.yml declare event_id, amount) — did you mean "event_id"?',
      'models/orders.yml:3:54 — unique_key "order_id" is not a column of orders (its properties in models/orders.yml declare event_id) — set unique_key to the column(s) that identify a row, or declare "order_id" under columns:',
    ]);
  });

  it('is printed with its file, line and column by the CLI', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': MODEL,
      'models/events.yml': 'models:\n  - name: events\n    config:\n      materialized: incremental\n      unique_key: evnt_id\n',
    });
    const { code, stdout } = plat(['run'], dir);
    expect(code).toBe(1);
    expect(stdout).toContain('models/events.yml:5:19: unique_key "evnt_id" is not a column of the model (it returns event_id, amount)');
    expect(stdout).toContain('hint: did you mean "event_id"?');
  });
});

describe('on_schema_change in {{config}}', () => {
  it('takes only the values it knows', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: u\n',
      'models/events.sql': `{{config materialized="incremental" on_schema_change="append_new_column"}}\n${MODEL}`,
    });
    // An incremental model is rendered twice (full and incremental), and each render reports its config.
    expect(new Set(diagnosticsOf(dir))).toEqual(
      new Set([
        'models/events.sql:1:1 — on_schema_change="append_new_column" is not one of fail, append_new_columns, sync_all_columns — did you mean "append_new_columns"?',
      ]),
    );
  });
});
