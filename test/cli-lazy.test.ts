import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandModules, commandName } from '../framework/cli/commands/index.js';
import { copyProject, plat, repoRoot } from './helpers.js';

describe('the CLI loads only the module of the command it runs', () => {
  it('lists, with each command module, exactly the names its commands are invoked by', async () => {
    for (const module of commandModules) {
      const declared = [...new Set((await module.load()).map(commandName))];
      expect(declared.sort()).toEqual([...module.names].sort());
    }
  });

  it('gives every name to one module only', () => {
    const names = commandModules.flatMap((m) => m.names);
    expect(names.length).toBe(new Set(names).size);
  });
});

describe('plat compile with the cache an earlier compile left in target/', () => {
  it('reports the same counts, and leaves manifest.json as it was, when nothing changed', () => {
    const dir = copyProject(join(repoRoot, 'project'));
    const first = plat(['compile'], dir);
    expect(first.code).toBe(0);
    const written = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    const again = plat(['compile'], dir);
    expect(again).toEqual(first);
    expect(again.stderr).toContain('Compiled 59 nodes (1 source, 10 models, 38 tests, 1 training, 1 scoring, 8 agent tools)');
    expect(readFileSync(join(dir, 'target/manifest.json'), 'utf8')).toBe(written);
  });
});
