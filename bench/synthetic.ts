import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A synthetic project of N models in three layers that fan in and out: staging models read
 * sources, intermediate models join 1–3 staging or intermediate models, marts aggregate 1–3
 * intermediate models. Every model has YAML properties with described, tested columns: id is
 * not_null (and unique with `testsPerModel: 2`). Sources: one per 100 models unless `sources`.
 */
export function syntheticProject(
  models: number,
  options: { mixed?: boolean; trivial?: boolean; testsPerModel?: 1 | 2; sources?: number } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), `plat-bench-${models}-`));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const sources = options.sources ?? Math.max(1, Math.round(models / 100));
  write(
    'plat_project.yml',
    `name: bench\nthreads: 4\nmodels:\n  defaults: { materialized: view }\n  paths:\n    staging: { schema: staging }\n    intermediate: { schema: intermediate }\n    marts: { schema: marts }\n`,
  );
  if (!options.trivial)
    write(
      'sources.yml',
      `sources:\n  - name: raw\n    tables:\n${Array.from({ length: sources }, (_, i) => `      - name: t${i}\n        generator: { rows: 10, fields: { id: { sequence: {} }, v: { int: { min: 1, max: 9 } } } }\n`).join('')}`,
    );
  const staging = Math.round(models * 0.3);
  const intermediate = Math.round(models * 0.4);
  const names: string[] = [];
  const properties = new Map<string, string[]>();
  for (let i = 0; i < models; i++) {
    const layer = i < staging ? 'staging' : i < staging + intermediate ? 'intermediate' : 'marts';
    const name = `${layer.slice(0, 3)}_${i}`;
    const folder = `models/${layer}/group_${Math.floor(i / 100)}`;
    let sql: string;
    if (layer === 'staging') {
      sql = options.trivial
        ? `-- staging model ${i}\nselect range as id, range % 7 as v, ${i} as model_no\nfrom range(10)\n`
        : `-- staging model ${i}\nselect id, v, ${i} as model_no\nfrom {{source "raw" "t${i % sources}"}}\n`;
    } else {
      const pool = layer === 'intermediate' ? names.slice(0, i) : names.slice(staging, i);
      const parents = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pool[Math.floor(random() * pool.length)]!))];
      const [first, ...rest] = parents;
      sql =
        `-- ${layer} model ${i}\nselect a.id, a.v${options.trivial ? '' : ' + coalesce(sum(b.v), 0)'} as v, ${i} as model_no\nfrom {{ref "${first}"}} a\n` +
        rest.map((p, k) => `left join {{ref "${p}"}} j${k} on j${k}.id = a.id\n`).join('') +
        (options.trivial ? '' : `left join {{ref "${first}"}} b on b.id = a.id\ngroup by a.id, a.v\n`);
    }
    // With `mixed`, every other model is a table, so both materializations are measured.
    write(`${folder}/${name}.sql`, options.mixed && i % 2 === 0 ? `{{config materialized="table"}}\n${sql}` : sql);
    names.push(name);
    const entry = `  - name: ${name}\n    description: Synthetic ${layer} model number ${i}.\n    tags: [${layer}]\n    columns:\n      - name: id\n        description: Row id.\n        tests: [${options.testsPerModel === 2 ? 'not_null, unique' : 'not_null'}]\n      - name: v\n        description: A value.\n      - name: model_no\n        description: Which model built the row.\n`;
    properties.set(folder, [...(properties.get(folder) ?? []), entry]);
  }
  for (const [folder, entries] of properties) write(`${folder}/_properties.yml`, `models:\n${entries.join('')}`);
  return dir;
}

/** The value after `--name` on the command line, or null. */
export function option(name: string): string | null {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? null : (process.argv[at + 1] ?? null);
}

/** `--name` given on its own: a switch. */
function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Removes a bench's copy of a project unless `--keep` asks to look at it afterwards (a stream's database is hundreds of MB). */
export function removeUnlessKept(dir: string): void {
  if (flag('keep')) console.log(`  kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

export function argument(name: string, fallback: number): number {
  const value = option(name);
  return value === null ? fallback : Number(value);
}
