import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Gives the Trino tests a real cluster: TRINO_URL if set (with TRINO_FILES, the folder its local
 * file system is rooted at, when the tests may write files it reads), else a cluster that
 * scripts/trino.sh already runs, else one started with scripts/trino.sh and stopped after the run.
 * Under CI=true a cluster that cannot be had fails the run; elsewhere the Trino tests are skipped,
 * loudly.
 */
const script = join(import.meta.dirname, '../../scripts/trino.sh');
let started = false;

declare module 'vitest' {
  export interface ProvidedContext {
    trinoUrl: string | null;
    /** Where a file must be written for the cluster to read it as local:///<relative path>; null when unknown. */
    trinoFiles: string | null;
  }
}

interface Cluster {
  url: string;
  files: string | null;
}

function parse(output: string): Cluster | null {
  const url = /TRINO_URL=(\S+)/.exec(output)?.[1];
  return url ? { url, files: /TRINO_FILES=(\S+)/.exec(output)?.[1] ?? null } : null;
}

export function setup(project: TestProject): void {
  const url = process.env.TRINO_URL?.trim();
  let cluster: Cluster | null = url ? { url, files: process.env.TRINO_FILES?.trim() || null } : null;
  if (!cluster) {
    // A cluster the script already runs (a developer's) is used, and left running afterwards.
    try {
      cluster = parse(execFileSync('bash', [script, 'status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      cluster = null;
    }
  }
  if (!cluster) {
    let failure = 'it printed no TRINO_URL';
    try {
      cluster = parse(execFileSync('bash', [script, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 }));
      started = cluster !== null;
    } catch (error) {
      failure = String(error);
    }
    if (!cluster) {
      if (process.env.CI === 'true') throw new Error(`CI=true and no Trino cluster: scripts/trino.sh up failed: ${failure}`);
      process.stderr.write(`\n*** Trino tests skipped: no TRINO_URL and scripts/trino.sh up failed: ${failure} ***\n\n`);
    }
  }
  project.provide('trinoUrl', cluster?.url ?? null);
  project.provide('trinoFiles', cluster?.files ?? null);
}

export function teardown(): void {
  if (started) execFileSync('bash', [script, 'down'], { stdio: 'inherit' });
}
