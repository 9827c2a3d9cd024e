import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

describe('code style', () => {
  it('is formatted and linted as biome.json says (npx biome ci passes)', () => {
    const biome = spawnSync(join(repoRoot, 'node_modules/.bin/biome'), ['ci', '--colors=off'], { cwd: repoRoot, encoding: 'utf8' });
    // The whole report on failure: which files, which rules, and the diff to apply.
    expect(biome.status, `${biome.stdout}\n${biome.stderr}`).toBe(0);
  });
});
