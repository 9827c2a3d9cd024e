import pc from 'picocolors';
import type { Manifest } from '../../compile/manifest.js';
import { exitCodes } from '../../core/errors.js';
import { counted } from '../../core/plural.js';
import type { RunSummary } from '../../schedule/alerts.js';
import type { ScheduleEvent } from '../../schedule/job.js';
import { runSchedule } from '../../schedule/job.js';
import { checkSelections, runScheduler, schedulesNamed } from '../../schedule/scheduler.js';
import { err, out, projectDir, vars, type CommandSpec, type Options } from './shared.js';
import { compiled } from './compiled.js';
import { eventPrinter, retryOptions, scheduleRetriesFrom } from './run.js';

type ScheduleOptions = Options & { once?: string; retries?: number; retryDelay?: number };

const STATUS: Record<string, (text: string) => string> = {
  success: pc.green,
  warn: pc.yellow,
  skipped: pc.yellow,
  running: pc.cyan,
  error: pc.red,
  aborted: pc.red,
};

export const statusText = (status: string) => (STATUS[status] ?? ((t: string) => t))(status.toUpperCase());

function summaryLine(summary: RunSummary): string {
  const run = summary.runId === null ? 'not recorded' : `run ${summary.runId}`;
  const took = summary.elapsed === null ? '' : ` in ${summary.elapsed.toFixed(2)}s`;
  const failed = summary.failures.map((f) => `${f.node.split('.').pop()}${f.attempts > 1 ? ` after ${f.attempts} attempts` : ''}`);
  const detail = summary.error ?? (failed.length ? `failed: ${failed.join(', ')}` : '');
  return `${statusText(summary.status)} ${summary.schedule} (${summary.command}, ${run})${took}${detail ? `: ${detail}` : ''}`;
}

/** Scheduler events as lines on stderr (node lines go to stdout, as `plat build` prints them), or JSON lines on stdout. */
export function scheduleEventPrinter(options: Options): (event: ScheduleEvent) => void {
  if (options.json) return (event) => out(JSON.stringify(event));
  return (event) => {
    switch (event.type) {
      case 'scheduler_started':
        for (const s of event.schedules) err(pc.cyan(`schedule ${s.name}: next run ${s.next ?? 'never'}`));
        return;
      case 'runs_aborted':
        for (const r of event.runs)
          err(pc.yellow(`run ${r.id}${r.schedule ? ` of ${r.schedule}` : ''} (started ${r.startedAt}) was interrupted: marked aborted`));
        return;
      case 'lock_wait':
        err(pc.yellow(`${event.schedule}: waiting for the database: ${event.error}`));
        return;
      case 'job_started':
        err(pc.cyan(`${event.schedule}: running (scheduled for ${event.scheduledFor})`));
        return;
      case 'job_finished':
        err(`${summaryLine(event.summary)}${event.next ? pc.dim(`; next ${event.next}`) : ''}`);
        return;
      case 'alert':
        err(`${event.outcome.ok ? pc.dim('alert sent:') : pc.red('alert failed:')} ${event.outcome.channel} ${event.outcome.detail}`);
        return;
      case 'scheduler_stopped':
        err(pc.cyan('scheduler stopped'));
        return;
    }
  };
}

async function once(manifest: Manifest, name: string, options: ScheduleOptions): Promise<number> {
  const [schedule] = schedulesNamed(manifest, [name]);
  checkSelections(manifest, [schedule!]);
  const onEvent = scheduleEventPrinter(options);
  const scheduledFor = new Date();
  const summary = await runSchedule(manifest, schedule!, scheduledFor, {
    env: process.env,
    onEvent,
    onRunEvent: eventPrinter(options),
    threads: options.threads,
    retries: scheduleRetriesFrom(options),
  });
  onEvent({ type: 'job_finished', schedule: schedule!.name, scheduledFor: scheduledFor.toISOString(), next: null, summary });
  return summary.status === 'success' || summary.status === 'warn' ? exitCodes.ok : exitCodes.failure;
}

async function schedule(options: ScheduleOptions): Promise<number> {
  const project = compiled(options, 'the scheduler did not start');
  if (!project) return exitCodes.failure;
  if (options.once) return once(project.manifest, options.once, options);
  const count = Object.keys(project.manifest.schedules).length;
  if (count === 0) {
    err('No schedules: declare them under schedules: in plat_project.yml (see the README, "Schedules").');
    return exitCodes.usage;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const stop = () => {
    // The first Ctrl-C lets the run in progress finish; a second one exits at once (the next start marks it aborted).
    if (++interrupts > 1) process.exit(exitCodes.failure);
    err(pc.dim('stopping: finishing the run in progress (Ctrl-C again to exit at once)'));
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    if (!options.json) err(pc.cyan(`scheduler: ${counted(count, 'schedule')}; Ctrl-C stops`));
    await runScheduler(project.manifest, {
      signal: controller.signal,
      env: process.env,
      onEvent: scheduleEventPrinter(options),
      onRunEvent: eventPrinter(options),
      threads: options.threads,
      retries: scheduleRetriesFrom(options),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return exitCodes.ok;
}

export const scheduleCommands: CommandSpec[] = [
  {
    usage: 'schedule',
    description: "run the project's schedules (plat_project.yml schedules:) in the foreground; Ctrl-C finishes the running job and stops",
    options: [
      projectDir,
      vars,
      { flags: '--once <name>', description: 'run this schedule once, now, and exit (non-zero when it fails)' },
      ...retryOptions,
      { flags: '--json', description: 'print scheduler and run events as JSON lines' },
    ],
    run: (_, options) => schedule(options as ScheduleOptions),
  },
];
