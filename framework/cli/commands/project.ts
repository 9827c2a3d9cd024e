import { basename, relative, resolve } from 'node:path';
import pc from 'picocolors';
import { lookUpCache, varsKey } from '../../compile/cache.js';
import { countKinds, listLabel, NODE_KINDS, relationOf } from '../../compile/kinds.js';
import { didYouMean } from '../../core/suggest.js';
import { counted } from '../../core/plural.js';
import { exitCodes, PlatError } from '../../core/errors.js';
import { initProject } from '../../project/init.js';
import { resolveProjectDir } from '../../project/files.js';
import { renderDiagnostics } from '../render.js';
import { formatTable, toJson } from '../table.js';
import { relationName, type ManifestNode, type NodeKind } from '../../compile/manifest.js';
import { err, out, parseCount, projectDir, selection, target, vars, type CommandSpec, type Options } from './shared.js';

const OUTPUTS = ['table', 'name', 'id', 'path'];
const parseOutput = (value: string): string => {
  if (!OUTPUTS.includes(value))
    throw new PlatError('USAGE', `--output must be one of ${OUTPUTS.join(', ')}, not "${value}"`, didYouMean(value, OUTPUTS));
  return value;
};

const parseKind = (value: string, previous: unknown): NodeKind[] => {
  if (!NODE_KINDS.includes(value as NodeKind))
    throw new PlatError(
      'USAGE',
      `--resource-type "${value}" is no node kind`,
      didYouMean(value, NODE_KINDS) ?? `kinds: ${NODE_KINDS.join(', ')}`,
    );
  return [...((previous as NodeKind[] | undefined) ?? []), value as NodeKind];
};

export const projectCommands: CommandSpec[] = [
  {
    usage: 'compile',
    description:
      'render every model and write target/manifest.json and target/compiled/ (no database access); with --select, print the compiled SQL',
    options: [projectDir, ...selection, vars, target],
    run: async (_, raw) => {
      const options = raw as Options;
      // An unchanged project (the cache in target/ says so) is answered without loading the compiler.
      const root = resolveProjectDir(options.projectDir);
      const lookup = options.select
        ? null
        : lookUpCache(root, { vars: varsKey(options.vars, options.target), env: process.env, usable: true }, true);
      if (lookup?.reused) renderDiagnostics(lookup.reused.diagnostics, err);
      // Not reused: the compile goes on from this lookup rather than stat'ing every file again.
      const project = lookup?.reused ?? (await import('./compiled.js')).compiled(options, 'nothing was written', lookup ?? undefined);
      if (!project) return exitCodes.failure;
      if (options.select) {
        const { selectionOf } = await import('./compiled.js');
        const { listNodes } = await import('../../api.js');
        const { nodes: picked } = listNodes(project.manifest, selectionOf(project, options));
        for (const node of picked) if (node.kind === 'model' || node.kind === 'snapshot') out(`-- ${node.path}\n${node.compiledSql}\n`);
      }
      const total = Object.values(project.counts).reduce((sum, n) => sum + n, 0);
      err(
        `Compiled ${counted(total, 'node')} (${countKinds(project.counts) || 'none'}) to ${relative(process.cwd(), resolve(project.root, 'target/manifest.json'))}`,
      );
      return exitCodes.ok;
    },
  },
  {
    usage: 'ls',
    description: 'list the nodes `plat build` would run for the selection (with their tests)',
    options: [
      projectDir,
      ...selection,
      vars,
      { flags: '--resource-type <kind...>', description: `only nodes of these kinds: ${NODE_KINDS.join(', ')}`, parse: parseKind },
      { flags: '--json', description: 'print a JSON array' },
      { flags: '--output <format>', description: 'table (default), name, id or path', default: 'table', parse: parseOutput },
    ],
    run: async (_, raw) => {
      const options = raw as Options;
      const { compileProjectDir, loadState } = await import('../../compile/project_dir.js');
      const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars }, false);
      const { listNodes } = await import('../../api.js');
      if (!project.ok) {
        renderDiagnostics(project.diagnostics, err, 'nothing was listed');
        return exitCodes.failure;
      }
      const { nodes, diagnostics } = listNodes(project.manifest, {
        select: options.select,
        exclude: options.exclude,
        state: loadState(project, options),
        resourceTypes: options.resourceType,
      });
      renderDiagnostics(diagnostics, err);
      if (options.json) {
        out(toJson(nodes.map(describeNode)));
        return exitCodes.ok;
      }
      if (options.output === 'name' || options.output === 'id' || options.output === 'path') {
        for (const node of nodes) out(options.output === 'id' ? node.uniqueId : node[options.output]);
        return exitCodes.ok;
      }
      out(formatTable(['kind', 'name', 'materialized', 'relation', 'path'], nodes.map(describeNode)));
      return exitCodes.ok;
    },
  },
  {
    usage: 'query <sql>',
    description: 'run read-only SQL on the project database and print the result of each statement',
    options: [
      projectDir,
      { flags: '--json', description: 'print rows as a JSON array' },
      { flags: '--limit <n>', description: 'print at most n rows', default: 1000, parse: parseCount },
    ],
    run: async ([sql], raw) => {
      const options = raw as Options;
      const { compileProjectDir } = await import('../../compile/project_dir.js');
      const project = compileProjectDir({ projectDir: options.projectDir }, false);
      const { query } = await import('../../run/query.js');
      const results = await query(project.manifest, sql!, { limit: options.limit });
      if (options.json) {
        out(toJson(results.length === 1 ? results[0]!.rows : results.map((r) => r.rows)));
        return exitCodes.ok;
      }
      for (const [i, result] of results.entries()) {
        if (i > 0) out('');
        if (result.columns.length === 0) {
          err(pc.dim('(no result)'));
          continue;
        }
        out(
          formatTable(
            result.columns.map((c) => c.name),
            result.rows,
          ),
        );
        err(pc.dim(`${counted(result.rows.length, 'row')}${result.truncated ? ` (first ${options.limit}; use --limit)` : ''}`));
      }
      return exitCodes.ok;
    },
  },
  {
    usage: 'init <dir>',
    description: 'create a new project that builds at once',
    options: [],
    run: async ([dir]) => {
      const target = resolve(dir!);
      const name = basename(target)
        .replace(/[^A-Za-z0-9_]/g, '_')
        .replace(/^(\d)/, '_$1');
      const files = initProject(target, name);
      for (const file of files) out(`  created ${relative(process.cwd(), resolve(target, file))}`);
      const where = relative(process.cwd(), target);
      out(`\nNext: npx plat build${where ? ` --project-dir ${where}` : ''}`);
      return exitCodes.ok;
    },
  },
  {
    usage: 'clean',
    description: 'remove target/ (manifest, compiled SQL, run results and the default database)',
    options: [projectDir],
    run: async (_, raw) => {
      const root = resolveProjectDir((raw as Options).projectDir);
      const { clean } = await import('../../api.js');
      clean(root);
      out(`removed ${relative(process.cwd(), resolve(root, 'target')) || 'target'}`);
      return exitCodes.ok;
    },
  },
];

function describeNode(node: ManifestNode) {
  const relation = relationOf(node);
  return {
    kind: node.kind,
    name: node.name,
    uniqueId: node.uniqueId,
    materialized: listLabel(node),
    relation: relation ? relationName(relation) : '',
    path: node.path,
    tags: node.tags,
    dependsOn: node.dependsOn,
    ...(node.kind === 'test' ? { attachedTo: node.attachedTo, column: node.column, severity: node.config.severity } : {}),
  };
}
