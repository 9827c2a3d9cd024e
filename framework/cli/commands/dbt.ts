import pc from 'picocolors';
import { compileProjectDir } from '../../api.js';
import { compileWithState } from '../../compile/compile.js';
import { compileInline, INLINE_FILE } from '../../compile/inline.js';
import { exitCodes, PlatError } from '../../core/errors.js';
import { counted } from '../../core/plural.js';
import { parseProject } from '../../project/parse.js';
import { readProjectFiles, resolveProjectDir } from '../../project/files.js';
import { retry } from '../../retry.js';
import { show, showSql } from '../../run/show.js';
import { renderDiagnostics } from '../render.js';
import { formatTable, toJson } from '../table.js';
import { eventPrinter, runCommand } from './run.js';
import { err, out, parseCount, projectDir, runOptions, vars, type CommandSpec, type Options } from './shared.js';

/** seed and snapshot run no models, so --watch is not theirs. */
const verbOptions = runOptions.filter((o) => o.flags !== '--watch');

type ShowOptions = Options & { inline?: string };

async function showCommand(options: ShowOptions): Promise<number> {
  if (!options.inline === !options.select?.length)
    throw new PlatError('USAGE', 'plat show needs --select <node> or --inline "<sql>"', 'e.g. plat show --select orders --limit 5');
  let sql: string;
  let manifest: ReturnType<typeof compileProjectDir>['manifest'];
  if (options.inline !== undefined) {
    const root = resolveProjectDir(options.projectDir);
    const parsed = parseProject(readProjectFiles(root));
    const state = compileWithState(parsed.spec, { env: process.env, vars: options.vars });
    const inline = compileInline(state, options.inline);
    const diagnostics = [...parsed.diagnostics, ...state.diagnostics, ...inline.diagnostics];
    renderDiagnostics(diagnostics, err, 'nothing was shown');
    if (diagnostics.some((d) => d.severity === 'error')) return exitCodes.failure;
    sql = inline.sql;
    manifest = state.manifest;
  } else {
    const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars }, false);
    renderDiagnostics(project.diagnostics, err, 'nothing was shown');
    if (!project.ok) return exitCodes.failure;
    ({ sql } = showSql(project.manifest, options.select!));
    manifest = project.manifest;
  }
  const limit = options.limit ?? 10;
  const result = await show(manifest, sql, limit);
  if (options.json) out(toJson(result.rows));
  else {
    out(
      formatTable(
        result.columns.map((c) => c.name),
        result.rows,
      ),
    );
    err(pc.dim(`${counted(result.rows.length, 'row')}${result.truncated ? ` (first ${limit}; use --limit)` : ''}`));
  }
  return exitCodes.ok;
}

export const dbtCommands: CommandSpec[] = [
  {
    usage: 'seed',
    description: 'load the CSV files under seeds/ into tables (a CSV unchanged since its last load is kept; --full-refresh reloads all)',
    options: verbOptions.map((o) =>
      o.flags === '--full-refresh' ? { ...o, description: 'reload every selected seed, changed or not' } : o,
    ),
    run: (_, options) => runCommand('seed', options as Options),
  },
  {
    usage: 'snapshot',
    description: 'run the snapshots under snapshots/: record each changed row as a new version (type-2 history)',
    options: verbOptions.filter((o) => o.flags !== '--full-refresh'),
    run: (_, options) => runCommand('snapshot', options as Options),
  },
  {
    usage: 'show',
    description:
      "run a node's compiled SQL (or --inline SQL with ref and source) on the database and print rows, without building anything",
    options: [
      projectDir,
      {
        flags: '-s, --select <selector...>',
        description: 'the node to show: a model (its query), seed, snapshot, source or test (its failing rows)',
      },
      {
        flags: '--inline <sql>',
        description: `SQL to run, templated like a model: {{ref "orders"}}, {{source "shop" "orders"}} (errors name ${INLINE_FILE})`,
      },
      { flags: '--limit <n>', description: 'print at most n rows (default 10)', parse: parseCount },
      vars,
      { flags: '--json', description: 'print rows as a JSON array' },
    ],
    run: (_, options) => showCommand(options as ShowOptions),
  },
  {
    usage: 'retry',
    description: 'run again the nodes that failed or were skipped in the last command, with its --vars and --full-refresh',
    options: [
      projectDir,
      { flags: '--threads <n>', description: 'nodes to build at once (default: threads in plat_project.yml)', parse: parseCount },
      { flags: '--json', description: 'print events as JSON lines instead of text' },
    ],
    run: async (_, raw) => {
      const options = raw as Options;
      const { plan, project, results } = await retry({
        projectDir: options.projectDir,
        threads: options.threads,
        env: process.env,
        onEvent: eventPrinter(options),
      });
      if (project) renderDiagnostics(project.diagnostics, err, 'nothing was retried');
      if (project && !project.ok) return exitCodes.failure;
      if (!plan) {
        err('nothing to retry: every node of the last command succeeded');
        return exitCodes.ok;
      }
      if (plan.select.length === 0) {
        err('nothing to retry: the nodes that failed or were skipped are no longer in the project');
        return exitCodes.ok;
      }
      return results?.success ? exitCodes.ok : exitCodes.failure;
    },
  },
];
