import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject } from '../framework/compile/compile.js';
import { IncrementalCompiler } from '../framework/compile/incremental.js';
import { readProjectFiles, type ProjectFiles } from '../framework/project/files.js';
import { repoRoot } from './helpers.js';

const generatedAt = '2026-01-01T00:00:00.000Z';

/** Applies edits one after another; after each, the incremental result must equal a full compile. */
function replay(edits: { file: string; change: (text: string) => string | undefined }[]) {
  const project: ProjectFiles = readProjectFiles(join(repoRoot, 'project'));
  const files: ProjectFiles = { root: project.root, files: new Map(project.files) };
  const compiler = new IncrementalCompiler({ env: {} });
  compiler.compile(files, [], generatedAt);
  return edits.map(({ file, change }) => {
    const text = change(files.files.get(file) ?? '');
    if (text === undefined) files.files.delete(file);
    else files.files.set(file, text);
    const result = compiler.compile(files, [file], generatedAt);
    const full = compileProject(files, { env: {}, generatedAt });
    expect(result.diagnostics).toEqual(full.diagnostics);
    expect(isDeepStrictEqual(result.manifest, full.manifest)).toBe(true);
    return { recompiled: result.recompiled, errors: result.diagnostics.map((d) => d.message) };
  });
}

describe('incremental compile', () => {
  it('recompiles only a model whose SQL changed, and gives what a full compile gives', () => {
    expect(
      replay([
        { file: 'models/marts/revenue_per_hour.sql', change: (t) => `${t}\n-- a comment` },
        { file: 'models/marts/revenue_per_hour.sql', change: (t) => t.replace('-- a comment', '-- another') },
        { file: 'models/marts/active_users_per_hour.sql', change: (t) => t.replace(/select/i, 'select 1 as one,') },
      ]).map((r) => r.recompiled),
    ).toEqual([['model.ecommerce.revenue_per_hour'], ['model.ecommerce.revenue_per_hour'], ['model.ecommerce.active_users_per_hour']]);
  });

  it('compiles the whole project when an edit reaches beyond one model', () => {
    const results = replay([
      // ephemeral: inlined into others
      { file: 'models/intermediate/int_events_classified.sql', change: (t) => `${t}\n-- edit` },
      // has a unit test, which copies its SQL
      { file: 'models/marts/conversion_rate.sql', change: (t) => `${t}\n-- edit` },
      // YAML
      { file: 'models/marts/marts.yml', change: (t) => t.replace('description:', 'description: Edited.') },
      // a new ref changes the DAG
      { file: 'models/marts/revenue_per_hour.sql', change: (t) => `${t}\n-- {{ref "stg_events"}}` },
      // a macro
      { file: 'macros/hour_window.hbs', change: (t) => `${t}\n` },
      // a new model
      { file: 'models/marts/extra.sql', change: () => 'select 1 as x' },
    ]);
    expect(results.map((r) => r.recompiled)).toEqual([null, null, null, null, null, null]);
  });

  it('recovers from an error on the next good save', () => {
    const results = replay([
      {
        file: 'models/marts/revenue_per_hour.sql',
        change: (t) => t.replace('{{ref "int_hourly_event_counts"}}', '{{ref "int_hourly_event_count"}}'),
      },
      {
        file: 'models/marts/revenue_per_hour.sql',
        change: (t) => t.replace('{{ref "int_hourly_event_count"}}', '{{ref "int_hourly_event_counts"}}'),
      },
      { file: 'models/marts/revenue_per_hour.sql', change: (t) => `${t}\n-- fine` },
    ]);
    expect(results.map((r) => r.errors)).toEqual([['unknown ref "int_hourly_event_count"'], [], []]);
    expect(results[2]!.recompiled).toEqual(['model.ecommerce.revenue_per_hour']);
  });
});
