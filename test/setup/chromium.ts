import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/**
 * The site tests drive Debian's chromium with playwright-core (playwright never downloads a
 * browser here). Installed with apt-get when missing; under CI=true a missing browser fails.
 */
export const CHROMIUM = '/usr/bin/chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: string | null;
  }
}

export function setup(project: TestProject): void {
  if (!existsSync(CHROMIUM)) {
    try {
      execFileSync('bash', ['-c', 'apt-get install -y chromium || (apt-get update && apt-get install -y chromium)'], {
        stdio: 'ignore',
        timeout: 900_000,
      });
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`CI=true and chromium could not be installed: ${String(error)}`);
    }
  }
  const found = existsSync(CHROMIUM) ? CHROMIUM : null;
  if (!found) process.stderr.write('\n*** site tests skipped: no chromium (apt-get install chromium) ***\n\n');
  project.provide('chromium', found);
}
