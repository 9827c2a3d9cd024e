import type { HookSql, Manifest } from '../compile/manifest.js';
import { relationOf } from '../compile/kinds.js';
import { relationName } from '../compile/manifest.js';
import { LocatedError, PlatError } from '../core/errors.js';
import type { Connection } from '../warehouse/connection.js';
import type { RelationCatalog } from './catalog.js';
import type { NodeOutcome } from './executors.js';

/** Runs hooks in order; the first that fails is an error at the hook (its file and line), naming which. */
export async function runHooks(connection: Connection, hooks: readonly HookSql[], which: string): Promise<void> {
  for (const hook of hooks) {
    try {
      await connection.execute(hook.sql);
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).replace(/^\w+ Error: /, '');
      throw new LocatedError(`${which} failed: ${message}`, hook.place.line, { file: hook.place.file, column: hook.place.column });
    }
  }
}

/** An exposure builds nothing; it checks that every relation it reads is there to read. */
export async function checkExposure(
  node: { dependsOn: readonly string[]; path: string },
  manifest: Manifest,
  catalog: RelationCatalog,
): Promise<NodeOutcome> {
  const missing = node.dependsOn
    .map((id) => manifest.nodes[id] && relationOf(manifest.nodes[id]))
    .filter((relation) => relation && !catalog.kind(relation))
    .map((relation) => relationName(relation!));
  if (missing.length)
    throw new LocatedError(`reads ${missing.join(', ')}, which ${missing.length > 1 ? 'do' : 'does'} not exist`, null, {
      file: node.path,
      hint: 'build what it depends on: plat build --select +exposure:<name>',
    });
  return { rows: null, action: 'exposure' };
}

/** on_run_start / on_run_end: a failure is the command's, at the hook's place in plat_project.yml. */
export async function runProjectHooks(
  connection: Connection,
  hooks: readonly HookSql[],
  which: 'on_run_start' | 'on_run_end',
): Promise<void> {
  try {
    await runHooks(connection, hooks, which);
  } catch (error) {
    if (!(error instanceof LocatedError)) throw error;
    const where = `${error.place.file}${error.line ? `:${error.line}${error.place.column ? `:${error.place.column}` : ''}` : ''}`;
    throw new PlatError('QUERY_FAILED', `${where} — ${error.message}`, 'fix the hook in plat_project.yml');
  }
}
