import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IncrementalCompiler, readProjectFiles } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { refreshProjectFiles } from '../framework/project/files.js';
import { plat, queryDb, runDir, writeProject } from './helpers.js';

const bom = '\uFEFF';

describe('file encoding', () => {
  it('refuses to build a Latin-1 model instead of storing U+FFFD', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/ok.sql': 'select 1 as x\n' });
    writeFileSync(join(dir, 'models/latin.sql'), Buffer.from("select 'na\xefve' as x\n", 'latin1'));
    const { code, stdout, stderr } = plat(['build'], dir);
    expect(code).toBe(1);
    expect(stdout + stderr).toContain('models/latin.sql:1:11 — file is not UTF-8: invalid byte sequence starting with 0xEF');
    expect(stdout + stderr).toContain('nothing was run');
  });

  it('reads UTF-8 files that start with a byte order mark', async () => {
    const dir = writeProject({
      'plat_project.yml': `${bom}name: p\n`,
      'models/names.sql': `${bom}select 'naïve' as x\n`,
      'models/names.yml': `${bom}models:\n  - name: names\n    columns: [{ name: x, tests: [not_null] }]\n`,
    });
    const results = await runDir(dir);
    expect(results.results.map((r) => [r.name, r.status])).toEqual([['names', 'success']]);
    expect(await queryDb(dir, 'select x from main.names')).toEqual([{ x: 'naïve' }]);
  });

  it('reports a file saved as Latin-1 in watch mode, and forgets it once saved as UTF-8', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/a.sql': 'select 1 as x\n' });
    const project = readProjectFiles(dir);
    const compiler = new IncrementalCompiler({ env: {} });
    compiler.compile(project, []);
    const save = (text: string | Buffer) => {
      writeFileSync(join(dir, 'models/a.sql'), text);
      const changed = refreshProjectFiles(project, ['models/a.sql']);
      return { changed, diagnostics: compiler.compile(project, changed).diagnostics.map(formatDiagnostic) };
    };
    expect(save(Buffer.from('select 1 as x\n-- caf\xe9\n', 'latin1'))).toEqual({
      changed: ['models/a.sql'],
      diagnostics: [
        'models/a.sql:2:7 — file is not UTF-8: invalid byte sequence starting with 0xE9 — save it as UTF-8 (plat reads every project file as UTF-8)',
      ],
    });
    expect(save('select 1 as x\n-- café\n')).toEqual({ changed: ['models/a.sql'], diagnostics: [] });
  });
});
