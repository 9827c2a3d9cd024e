import { stripVTControlCharacters } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../framework/api.js';
import { renderRunEvent } from '../framework/cli/render.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import type { RunEvent } from '../framework/run/results.js';
import { runSchedule } from '../framework/schedule/job.js';
import { compileDir, plat, queryDb, writeProject } from './helpers.js';

/** A project whose models read `data/<name>.csv` themselves, so a missing file fails them transiently. */
function project(files: Record<string, string>, projectYml = 'name: r\n') {
  const dir = writeProject({ 'plat_project.yml': projectYml, ...files });
  const reads = (name: string) => `select * from read_csv('${join(dir, 'data', `${name}.csv`)}')\n`;
  return { dir, reads };
}

const attemptsOf = (dir: string, runId: number) =>
  queryDb(dir, `select name, attempt, status from _plat.node_runs where run_id = ${runId} order by name, attempt`);

describe('node-level retries', () => {
  it('retries a model whose file is not there yet (retries: in its properties), and the line says after how many attempts', async () => {
    const { dir, reads } = project({ 'models/props.yml': 'models:\n  - name: late\n    config: { retries: 2, retry_delay: 20ms }\n' });
    writeFileSync(join(dir, 'models/late.sql'), reads('late'));
    const lines: string[] = [];
    const results = await run(compileDir(dir), {
      env: {},
      onEvent: (event: RunEvent) => {
        renderRunEvent(event, (line) => lines.push(stripVTControlCharacters(line)));
        // The file arrives after the first failure.
        if (event.type === 'node_retrying') {
          mkdirSync(join(dir, 'data'), { recursive: true });
          writeFileSync(join(dir, 'data', 'late.csv'), 'id\n1\n2\n3\n');
        }
      },
    });
    expect(results.success).toBe(true);
    expect(results.results.map((r) => [r.name, r.status, r.attempts, r.rows])).toEqual([['late', 'success', 2, null]]);
    expect(await attemptsOf(dir, results.runId!)).toEqual([
      { name: 'late', attempt: 1, status: 'error' },
      { name: 'late', attempt: 2, status: 'success' },
    ]);
    const retry = lines.find((l) => l.includes('retry late'));
    expect(retry).toMatch(/retry late: attempt 1 failed \(.*No files found that match the pattern "[^"]*late\.csv"\); attempt 2 in/);
    expect(lines.find((l) => l.includes(' OK '))).toMatch(/OK +view main\.late \.+ view in \d+\.\d+s after 2 attempts$/);
  });

  it('does not retry a SQL error, whatever the model asks for', async () => {
    const { dir } = project({
      'models/one.sql': 'select 1 as x\n',
      'models/bad.sql': '{{config retries=3 retry_delay="10ms"}}\nselect no_such_column from {{ref "one"}}\n',
    });
    const retried: RunEvent[] = [];
    const results = await run(compileDir(dir), { env: {}, onEvent: (e) => e.type === 'node_retrying' && retried.push(e) });
    expect(retried).toEqual([]);
    expect(results.results.find((r) => r.name === 'bad')).toMatchObject({ status: 'error', error: { file: 'models/bad.sql', line: 2 } });
    expect(await attemptsOf(dir, results.runId!)).toEqual([
      { name: 'bad', attempt: 1, status: 'error' },
      { name: 'one', attempt: 1, status: 'success' },
    ]);
  });

  it('takes a model’s own retries over its folder’s, its folder’s over the run’s (--retries), and those over a schedule’s', async () => {
    const { dir, reads } = project(
      { 'models/props.yml': 'models:\n  - name: own\n    config: { retries: 1 }\n' },
      [
        'name: r',
        'models:',
        '  paths:',
        '    strict: { retries: 0, retry_delay: 10ms }',
        'schedules:',
        '  - { name: nightly, every: 1d, command: run, select: [plain], retries: 1, retry_delay: 10ms }',
        '',
      ].join('\n'),
    );
    // None of the files ever arrives: every retry fails the same way, so attempts count the policy.
    mkdirSync(join(dir, 'models/strict'));
    writeFileSync(join(dir, 'models/strict/own.sql'), reads('own'));
    writeFileSync(join(dir, 'models/strict/folder.sql'), reads('folder'));
    writeFileSync(join(dir, 'models/plain.sql'), reads('plain'));
    const manifest = compileDir(dir);
    const flag = await run(manifest, { env: {}, retry: { retries: 3, delay: 10, backoff: 1 } });
    expect(Object.fromEntries(flag.results.map((r) => [r.name, r.attempts ?? 1]))).toEqual({ own: 2, folder: 1, plain: 4 });

    const waits: number[] = [];
    const scheduled = (retries?: { retries: number; delay?: number }) =>
      runSchedule(manifest, manifest.schedules.nightly!, new Date(), {
        env: {},
        onEvent: () => undefined,
        onRunEvent: (event) => event.type === 'node_retrying' && waits.push(event.wait),
        retries,
      });
    expect((await scheduled()).failures.map((f) => f.attempts)).toEqual([2]);
    // `plat schedule --retries 2` over the schedule's retries: 1.
    // Without --retry-delay the schedule's retry_delay (10ms) stays, doubling.
    waits.length = 0;
    expect((await scheduled({ retries: 2, delay: undefined })).failures.map((f) => f.attempts)).toEqual([3]);
    expect(waits).toEqual([10, 20]);
    const rows = await queryDb(dir, "select count(*) as n from _plat.node_runs where name = 'plain'");
    expect(rows).toEqual([{ n: BigInt(4 + 2 + 3) }]);
  });

  it('refuses a misspelt or out-of-range retries config with its place and a did-you-mean', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nmodels:\n  paths:\n    marts: { retires: 2 }\n',
      'models/marts/a.sql': 'select 1 as x\n',
      'models/b.sql': '{{config retries=-1}}\nselect 1 as x\n',
      'models/c.sql': '{{config retry_delay="soon"}}\nselect 1 as x\n',
      'models/props.yml': 'models:\n  - name: b\n    config: { retries: 50 }\n',
    });
    expect(compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:4:14 — at models.paths.marts: unknown property "retires" — did you mean "retries"?',
      'models/props.yml:3:24 — at models[0].config.retries: must be <= 20',
      'models/b.sql:1:1 — retries=-1 is not a whole number from 0 to 20 — retries=2',
      'models/c.sql:1:1 — retry_delay="soon" is not a duration — a number and a unit: retry_delay="30s" (500ms, 30s, 15m, 6h, 2d)',
    ]);
  });

  it('leaves a model unmodified (its config checksum as it was) when only its retries change', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/a.sql': 'select 1 as x\n' });
    const before = compileDir(dir).nodes['model.p.a']!.checksums;
    writeFileSync(join(dir, 'models/a.sql'), '{{config retries=2 retry_delay="5s"}}\nselect 1 as x\n');
    const after = compileDir(dir).nodes['model.p.a']!;
    expect(after.kind === 'model' && [after.config.retries, after.config.retryDelay]).toEqual([2, 5000]);
    expect(after.checksums.config).toBe(before.config);
  });

  it('plat run --retries retries a source file that is missing and says so; a bad --retries is a usage error', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'sources.yml': 'sources:\n  - name: files\n    tables:\n      - name: orders\n        file: { path: data/orders.csv }\n',
    });
    const failed = plat(['run', '--retries', '2', '--retry-delay', '10ms'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('retry files.orders: attempt 1 failed (no file matches data/orders.csv); attempt 2 in');
    expect(failed.stdout).toContain('retry files.orders: attempt 2 failed (no file matches data/orders.csv); attempt 3 in');
    expect(failed.stdout).toMatch(/ERROR source files\.orders \.+ in \d+\.\d+s after 3 attempts/);
    const bad = plat(['run', '--retries', 'many'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--retries takes a whole number from 0 to 20, got "many"');
  });
});
