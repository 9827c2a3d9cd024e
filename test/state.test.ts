import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { plat } from './helpers.js';

/** state:modified compares each node with its definition when it last ran successfully. */
describe('state:modified and state:new', () => {
  let dir: string;
  /** The models state:modified selects (ls also lists the tests that would run with them). */
  const modified = (...extra: string[]) => {
    const { code, stdout, stderr } = plat(['ls', '--select', 'state:modified', '--output', 'id', ...extra], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return stdout
      .split('\n')
      .filter((id) => id.startsWith('model.'))
      .map((id) => id.split('.').pop());
  };
  const model = (name: string) => join(dir, 'models/marts', `${name}.sql`);
  const append = (name: string, text: string) => writeFileSync(model(name), `${readFileSync(model(name), 'utf8')}${text}`);

  beforeEach(() => {
    const parent = mkdtempSync(join(tmpdir(), 'plat-state-'));
    expect(plat(['init', 'shop'], parent).code).toBe(0);
    dir = join(parent, 'shop');
  });

  it('needs a successful run (or --state) to compare with', () => {
    const { code, stderr } = plat(['ls', '--select', 'state:modified'], dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error state:modified needs a state to compare with, and no node has run successfully yet — run `plat build` once, or pass --state DIR',
    );
  });

  it('keeps an edited model modified after a compile, a run of other models and a failed run, until it runs successfully', () => {
    expect(plat(['build'], dir).code).toBe(0);
    expect(modified()).toEqual([]);
    append('daily_revenue', '\n-- edited\n');
    expect(modified()).toEqual(['daily_revenue']);
    expect(plat(['compile'], dir).code).toBe(0);
    expect(modified()).toEqual(['daily_revenue']);
    expect(plat(['run', '--select', 'stg_orders'], dir).code).toBe(0);
    expect(modified()).toEqual(['daily_revenue']);
    const edited = readFileSync(model('daily_revenue'), 'utf8');
    append('daily_revenue', 'select nope\n');
    expect(plat(['run', '--select', 'daily_revenue'], dir).code).toBe(1);
    expect(modified()).toEqual(['daily_revenue']);
    writeFileSync(model('daily_revenue'), edited);
    const rerun = plat(['run', '--select', 'state:modified'], dir);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('OK    table marts.daily_revenue');
    expect(modified()).toEqual([]);
  });

  it('keeps a new model new until its first successful run', () => {
    expect(plat(['build'], dir).code).toBe(0);
    writeFileSync(model('orders_per_day'), 'select day, orders from {{ref "daily_revenue"}} where nope\n');
    const isNew = () => plat(['ls', '--select', 'state:new', '--output', 'name'], dir).stdout.trim().split('\n');
    expect(isNew()).toEqual(['orders_per_day']);
    expect(plat(['run', '--select', 'state:new'], dir).code).toBe(1);
    expect(isNew()).toEqual(['orders_per_day']);
    writeFileSync(model('orders_per_day'), 'select day, orders from {{ref "daily_revenue"}}\n');
    expect(plat(['run', '--select', 'state:new'], dir).code).toBe(0);
    expect(isNew()).toEqual(['']);
  });

  it('compares with the manifest.json in --state DIR (dbt’s convention)', () => {
    expect(plat(['build'], dir).code).toBe(0);
    const production = join(dir, '..', 'production');
    mkdirSync(production);
    cpSync(join(dir, 'target/manifest.json'), join(production, 'manifest.json'));
    append('daily_revenue', '\n-- edited\n');
    expect(plat(['run', '--select', 'state:modified'], dir).code).toBe(0);
    expect(modified()).toEqual([]);
    expect(modified('--state', production)).toEqual(['daily_revenue']);
    expect(plat(['ls', '--select', 'state:modified', '--state', join(dir, 'nowhere')], dir)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no manifest.json in'),
    });
  });
});
