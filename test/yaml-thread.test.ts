import { describe, expect, it } from 'vitest';
import { compileProject, compileProjectDir } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { parseYaml } from '../framework/project/yaml.js';
import { YAML_THREAD_FROM, YamlThread } from '../framework/project/yaml_thread.js';
import { writeProject } from './helpers.js';

const texts: Record<string, string> = {
  'models/a.yml': 'models:\n  - name: a\n    description: "quoted: yes"\n    columns: [{ name: id, tests: [not_null] }]\n',
  // CORE schema values a JSON round trip would lose.
  'models/b.yaml': 'odd: [.nan, .inf, -.inf, -0, 0x1F, ~, null, true]\nnested: { deep: { list: [1, "two", 3.5] } }\n',
  'models/broken.yml': 'models:\n  - name: c\n    columns: [ { name: id\n',
  'models/empty.yml': '',
  'models/dup.yml': 'a: 1\na: 2\n',
};

describe('parsing YAML in a thread while the project is read', () => {
  it('gives what parseYaml gives for each file: data, CORE schema values and syntax errors with their place', () => {
    const thread = new YamlThread(0);
    for (const [file, text] of Object.entries(texts)) thread.offer(file, text);
    thread.offer('models/a.sql', 'select 1');
    const results = thread.results();
    expect([...results.keys()].sort()).toEqual(Object.keys(texts).sort());
    for (const [file, text] of Object.entries(texts)) expect(results.get(file)).toEqual({ text, ...parseYaml(file, text) });
    expect(results.get('models/broken.yml')!.diagnostics).toEqual([
      expect.objectContaining({ code: 'YAML_SYNTAX', file: 'models/broken.yml', line: expect.any(Number), column: expect.any(Number) }),
    ]);
    expect(results.get('models/b.yaml')!.data).toEqual({
      odd: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 31, null, null, true],
      nested: { deep: { list: [1, 'two', 3.5] } },
    });
  });

  it('starts no thread below its threshold: the parser parses those files itself', () => {
    const thread = new YamlThread();
    thread.offer('models/a.yml', texts['models/a.yml']!);
    expect(thread.results().size).toBe(0);
  });

  it('stops a thread whose parses nobody will ask for', () => {
    const thread = new YamlThread(0);
    thread.offer('models/a.yml', texts['models/a.yml']!);
    thread.cancel();
    expect(thread.results().size).toBe(0);
  });

  it('uses a parse only for the text it was parsed from', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/a.sql': 'select 1 as id', 'models/a.yml': texts['models/a.yml']! });
    const files = readProjectFiles(dir);
    const stale = new Map([['models/a.yml', { text: 'models: []\n', data: { models: [] }, diagnostics: [] }]]);
    const parsed = parseProject(files, undefined, stale);
    expect(parsed.spec.properties.get('a')?.description).toBe('quoted: yes');
  });

  it('compiles a project past the threshold as the pure compiler does, errors and their places included', () => {
    const files: Record<string, string> = { 'plat_project.yml': 'name: big\n' };
    const padding = 'x'.repeat(300);
    for (let i = 0; i < 60; i++) {
      files[`models/g${i}/m_${i}.sql`] = `select ${i} as id`;
      const columns = Array.from({ length: 40 }, (_, c) => `      - name: c${c}\n        description: "${padding} ${c}"\n`).join('');
      files[`models/g${i}/_properties.yml`] = `models:\n  - name: m_${i}\n    description: model ${i}\n    columns:\n${columns}`;
    }
    // Read after the thread has started (folders are walked in order): parsed there.
    files['models/g9/_properties.yml'] += '    tests: [ { unique: { column_name: id }\n';
    files['models/g8/_properties.yml'] = files['models/g8/_properties.yml']!.replace('description: model 8', 'descripton: model 8');
    const yamlBytes = Object.entries(files)
      .filter(([path]) => path.endsWith('.yml'))
      .reduce((sum, [, text]) => sum + text.length, 0);
    expect(yamlBytes).toBeGreaterThan(2 * YAML_THREAD_FROM);
    const dir = writeProject(files);

    const threaded = compileProjectDir({ projectDir: dir, env: {}, generatedAt: '2026-01-01T00:00:00.000Z' }, false);
    const pure = compileProject(readProjectFiles(dir), { env: {}, generatedAt: '2026-01-01T00:00:00.000Z' });
    expect(threaded.diagnostics.map(formatDiagnostic)).toEqual(pure.diagnostics.map(formatDiagnostic));
    expect(threaded.diagnostics.map((d) => `${d.code} ${d.file}`)).toEqual(
      expect.arrayContaining(['YAML_SYNTAX models/g9/_properties.yml', expect.stringMatching(/ models\/g8\/_properties\.yml$/)]),
    );
    expect(threaded.manifest.nodes).toEqual(pure.manifest.nodes);
    expect(threaded.manifest.nodes['model.big.m_42']).toMatchObject({ description: 'model 42', columns: expect.any(Array) });
  });
});
