import pc from 'picocolors';
import { generateDocs } from '../../docs/generate.js';
import { serveDocs } from '../../docs/serve.js';
import type { DashboardData } from '../../docs/dashboard-types.js';
import { exitCodes } from '../../core/errors.js';
import { watchProject } from '../../watch/watch.js';
import { cyclePrinter, eventPrinter, untilInterrupted } from './run.js';
import { err, parseCount, parsePort, projectDir, vars, type CommandSpec, type Options } from './shared.js';

type DevOptions = Options & { port: number };

/**
 * `plat dev`: build --watch, and the docs site served with live reload. The site is generated
 * inside each rebuild, before the next may start, so it never reads a half-built database.
 */
async function dev(options: DevOptions): Promise<number> {
  const controller = untilInterrupted();
  const printCycle = cyclePrinter(options);
  const docs: { server: Awaited<ReturnType<typeof serveDocs>> | null; dashboards: Record<string, DashboardData> } = {
    server: null,
    dashboards: {},
  };
  try {
    await watchProject({
      projectDir: options.projectDir,
      verb: 'build',
      env: process.env,
      vars: options.vars,
      threads: options.threads,
      fullRefresh: options.fullRefresh,
      signal: controller.signal,
      onEvent: eventPrinter(options),
      onCycle: async (cycle) => {
        printCycle(cycle);
        if (!cycle.manifest) return;
        const site = await generateDocs(cycle.manifest);
        // Dashboards read between builds, never during one: /v1/dashboards/<name> answers with the latest.
        docs.dashboards = site.dashboards;
        // Pages reload when data.js changes (serveDocs watches the folder).
        docs.server ??= await serveDocs(site.dir, options.port, { dashboards: () => docs.dashboards });
      },
      onReady: () =>
        err(
          pc.cyan(
            `docs on ${docs.server?.url ?? '(after the first good build)'}; watching ${options.projectDir ?? 'the project'} for changes (Ctrl-C stops)`,
          ),
        ),
    });
  } finally {
    await docs.server?.close();
  }
  return exitCodes.ok;
}

export const devCommands: CommandSpec[] = [
  {
    usage: 'dev',
    description: 'build, then rebuild on every save (build --watch) while serving the docs site, which reloads after each rebuild',
    options: [
      projectDir,
      vars,
      { flags: '--threads <n>', description: 'nodes to build at once (default: threads in plat_project.yml)', parse: parseCount },
      { flags: '--full-refresh', description: 'rebuild incremental models from scratch whenever a rebuild reaches them' },
      { flags: '--port <n>', description: 'docs port (default 8080; 0 picks a free one)', default: 8080, parse: parsePort },
      { flags: '--json', description: 'print events as JSON lines instead of text' },
    ],
    run: (_, options) => dev(options as DevOptions),
  },
];
