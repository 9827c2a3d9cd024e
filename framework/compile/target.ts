/**
 * Which warehouse a compile is for. plat_project.yml's `target:` is the default; `targets:` names
 * others (dbt's profiles, kept in the project), and one is picked with `--target <name>` or the
 * environment's PLAT_TARGET, so the same project builds on DuckDB and on a Trino cluster without
 * editing. A type's own name (`--target trino`) picks that type with its defaults. A Trino
 * target's address, user and landing folder may come from the environment (TRINO_URL,
 * TRINO_USER, TRINO_FILES), keeping credentials and machines out of the project's files.
 */
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ProjectSpec, TargetSpec } from '../project/spec.js';
import { TARGET_TYPES } from '../warehouse/registry.js';
import type { Target } from '../warehouse/types.js';

export const DEFAULT_DATABASE = 'target/plat.duckdb';

export function resolveTarget(
  spec: ProjectSpec,
  env: Record<string, string | undefined>,
  chosen: string | undefined,
  diagnostics: Diagnostic[],
): Target {
  const name = chosen ?? env.PLAT_TARGET?.trim() ?? '';
  const named = spec.config.targets ?? {};
  let given: TargetSpec = spec.config.target ?? {};
  let path: string[] = ['target'];
  if (name) {
    if (named[name]) {
      given = named[name]!;
      path = ['targets', name];
    } else if ((TARGET_TYPES as string[]).includes(name)) {
      given = { type: name as Target['type'] };
    } else {
      const choices = [...Object.keys(named), ...TARGET_TYPES];
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `no target "${name}" (chosen by ${chosen ? '--target' : 'PLAT_TARGET'})` },
          { file: spec.configFile, ...spec.locator.locate(spec.configFile, Object.keys(named).length ? ['targets'] : ['name']) },
          didYouMean(name, choices) ?? `name one of plat_project.yml's targets: ${choices.join(', ')}`,
        ),
      );
    }
  }
  const at = () => ({ file: spec.configFile, ...spec.locator.locate(spec.configFile, path) });
  if (given.duckdb !== undefined && (given.type !== undefined || given.path !== undefined)) {
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: 'target has both duckdb: and type:/path:' },
        { file: spec.configFile, ...spec.locator.locate(spec.configFile, [...path, 'duckdb']) },
        'write target: { type: duckdb, path: … } (duckdb: path is the older spelling of the same)',
      ),
    );
  }
  // A type no adapter has is reported by the schema; compiling goes on with the default one.
  const type = given.type && TARGET_TYPES.includes(given.type) ? given.type : 'duckdb';
  // Strings, as both engines take them (DuckDB's config map, Trino's X-Trino-Session header).
  const settings = Object.entries(given.settings ?? {}).map(([key, value]) => [key, String(value)]);
  const withSettings = settings.length ? { settings: Object.fromEntries(settings) as Record<string, string> } : {};
  if (type === 'duckdb') return { type, path: given.path ?? given.duckdb ?? DEFAULT_DATABASE, ...withSettings };
  const url = given.url ?? env.TRINO_URL?.trim();
  if (!url)
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: "a trino target needs the coordinator's address" },
        at(),
        'set url: http://host:8080 in the target, or TRINO_URL in the environment',
      ),
    );
  const files = env.TRINO_FILES?.trim();
  return {
    type,
    url: url ?? 'http://127.0.0.1:8080',
    catalog: given.catalog ?? 'iceberg',
    user: given.user ?? env.TRINO_USER?.trim() ?? 'plat',
    schemaPrefix: given.schema_prefix ?? null,
    landing: given.landing ?? (files ? { folder: `${files.replace(/\/$/, '')}/landing`, location: 'local:///landing' } : null),
    sandboxUser: given.sandbox_user ?? null,
    ...withSettings,
  };
}
