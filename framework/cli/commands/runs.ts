import pc from 'picocolors';
import { compileProjectDir } from '../../api.js';
import { exitCodes, PlatError } from '../../core/errors.js';
import { counted } from '../../core/plural.js';
import { listRuns, showRun } from '../../run/runs-read.js';
import { formatTable, toJson } from '../table.js';
import { statusText } from './schedule.js';
import { out, parseCount, projectDir, type CommandSpec, type Options } from './shared.js';

type RunsOptions = Options & { schedule?: string };

const parseRunId = (text: string): number => {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new PlatError('USAGE', `a run id is a whole number (plat runs lists them), got "${text}"`);
  return id;
};

const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const took = (seconds: number | null) => (seconds === null ? '—' : `${seconds.toFixed(2)}s`);

async function list(options: RunsOptions): Promise<number> {
  const project = compileProjectDir({ projectDir: options.projectDir }, false);
  const runs = await listRuns(project.manifest, { limit: options.limit ?? 20, schedule: options.schedule });
  if (options.json) {
    out(toJson(runs));
    return exitCodes.ok;
  }
  if (runs.length === 0) {
    out('No runs recorded yet: every plat run, build, test, stream and scheduled run is recorded in _plat.runs.');
    return exitCodes.ok;
  }
  out(
    formatTable(
      ['id', 'status', 'command', 'by', 'started', 'took', 'nodes', 'problems'],
      runs.map((r) => ({
        id: r.id,
        status: r.status,
        command: r.command,
        by: r.schedule ? `schedule ${r.schedule}` : r.trigger,
        started: time(r.startedAt),
        took: took(r.elapsed),
        nodes: r.nodes,
        problems:
          r.error ??
          ([r.errors && counted(r.errors, 'error'), r.warnings && counted(r.warnings, 'warning')].filter(Boolean).join(', ') || ''),
      })),
    ),
  );
  return exitCodes.ok;
}

async function show(id: number, options: RunsOptions): Promise<number> {
  const project = compileProjectDir({ projectDir: options.projectDir }, false);
  const { run, nodes } = await showRun(project.manifest, id);
  if (options.json) {
    out(toJson({ run, nodes }));
    return exitCodes.ok;
  }
  const by = run.schedule ? `schedule ${run.schedule}, for ${time(run.scheduledFor)}` : run.trigger;
  out(
    `${pc.bold(`run ${run.id}`)} ${statusText(run.status)}: plat ${run.command} (${by}), started ${time(run.startedAt)}, took ${took(run.elapsed)}`,
  );
  if (run.error) out(pc.red(`  ${run.error}`));
  const width = String(nodes.length).length;
  for (const [i, node] of nodes.entries()) {
    const attempt = node.attempt > 1 || nodes.some((n) => n.uniqueId === node.uniqueId && n.attempt > 1) ? ` attempt ${node.attempt}` : '';
    const rows = node.rows === null ? '' : ` ${counted(node.rows, 'row')}`;
    const failures = node.failures ? ` ${counted(node.failures, 'failing row')}` : '';
    out(
      `${String(i + 1).padStart(width)} ${statusText(node.status).padEnd(7)} ${node.kind} ${node.name}${attempt} ${pc.dim(`${time(node.startedAt)} +${node.executionTime.toFixed(2)}s`)}${rows}${failures}`,
    );
    if (node.error) out(`      ${pc.red(`${node.errorLocation ? `${node.errorLocation}: ` : ''}${node.error.split('\n')[0]}`)}`);
    if (node.detail) out(`      ${pc.dim(node.detail)}`);
  }
  return exitCodes.ok;
}

export const runsCommands: CommandSpec[] = [
  {
    usage: 'runs [show] [id]',
    description: 'list recent runs from the history in the database (_plat.runs); `plat runs show ID`: one run, node by node',
    options: [
      projectDir,
      { flags: '--limit <n>', description: 'how many runs to list (default 20)', parse: parseCount },
      { flags: '--schedule <name>', description: "only this schedule's runs" },
      { flags: '--json', description: 'print JSON' },
    ],
    run: ([action, id], options) => {
      if (action === undefined) return list(options as RunsOptions);
      if (action !== 'show')
        throw new PlatError('USAGE', `unknown runs action "${action}"`, 'plat runs lists runs; plat runs show ID shows one');
      if (id === undefined) throw new PlatError('USAGE', 'plat runs show needs a run id', '`plat runs` lists the recorded runs');
      return show(parseRunId(id), options as RunsOptions);
    },
  },
];
