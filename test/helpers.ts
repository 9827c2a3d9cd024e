import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileProject, readProjectFiles, run, type Manifest, type RunOptions, type RunResults } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';

export const repoRoot = join(import.meta.dirname, '..');
export const cli = join(repoRoot, 'dist/framework/cli/main.js');

/** Writes a project into a fresh temporary folder. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plat-test-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export function copyProject(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'plat-test-'));
  cpSync(source, dir, { recursive: true, filter: (path) => !path.includes('/target') });
  return dir;
}

export function fixture(name: string): string {
  return join(repoRoot, 'test/fixtures', name);
}

export function compileDir(dir: string, vars?: Record<string, unknown>): Manifest {
  const { manifest, diagnostics } = compileProject(readProjectFiles(dir), { vars, env: {} });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map(formatDiagnostic).join('\n'));
  return manifest;
}

export async function runDir(dir: string, options: RunOptions & { vars?: Record<string, unknown> } = {}): Promise<RunResults> {
  return run(compileDir(dir, options.vars), { env: {}, ...options });
}

export async function queryDb(dir: string, sql: string, database = 'target/plat.duckdb'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(join(dir, database), { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    connection.closeSync();
    return rows;
  } finally {
    instance.closeSync();
  }
}

export function statusOf(results: RunResults): Record<string, string> {
  return Object.fromEntries(results.results.map((r) => [r.name, r.status]));
}

export function plat(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
