import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: join(import.meta.dirname, '..'),
  test: {
    dir: 'test',
    globalSetup: ['test/setup/tmp.ts', 'test/setup/kafka.ts', 'test/setup/trino.ts', 'test/setup/chromium.ts'],
    // Worker threads started by the framework (the agent's query threads) load TypeScript sources.
    execArgv: ['--import', join(import.meta.dirname, 'setup/typescript.mjs')],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
