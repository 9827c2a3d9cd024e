import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The site tests drive Debian's chromium with playwright-core; scripts/chromium.sh finds it,
 * or installs it with apt-get. Under CI=true a missing browser fails.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    chromium: string | null;
  }
}

export function setup(project: TestProject): void {
  let found: string | null = null;
  try {
    found = execFileSync(join(import.meta.dirname, '../../scripts/chromium.sh'), { encoding: 'utf8', timeout: 900_000 }).trim();
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`CI=true and chromium could not be installed: ${String(error)}`);
  }
  if (!found) process.stderr.write('\n*** site tests skipped: no chromium (apt-get install chromium) ***\n\n');
  project.provide('chromium', found);
}
