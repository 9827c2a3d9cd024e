/**
 * Alerts for a scheduled run that failed (or warned, where asked): its JSON summary POSTed to
 * a webhook, and/or given on stdin to a shell command. An alert that cannot be delivered is
 * reported, never fatal: the scheduler keeps its timetable.
 */
import { spawn } from 'node:child_process';
import type { RunResults } from '../run/results.js';
import { errorLocation } from '../run/results.js';
import type { RunStatus } from '../run/runs.js';
import type { Schedule } from './spec.js';

export interface RunSummary {
  project: string;
  schedule: string;
  command: string;
  scheduledFor: string;
  runId: number | null;
  status: RunStatus;
  startedAt: string;
  elapsed: number | null;
  /** Why the run failed as a whole (the database stayed locked, a selection matched nothing). */
  error: string | null;
  /** Nodes that errored or failed, then those that warned. */
  failures: { node: string; kind: string; status: string; error: string | null; location: string | null; attempts: number }[];
  warnings: { node: string; kind: string; failures: number | null }[];
}

export function summarize(
  project: string,
  schedule: Schedule,
  run: { scheduledFor: Date; startedAt: Date; status: RunStatus; runId: number | null; error: string | null; results: RunResults | null },
): RunSummary {
  const results = run.results?.results ?? [];
  return {
    project,
    schedule: schedule.name,
    command: schedule.command,
    scheduledFor: run.scheduledFor.toISOString(),
    runId: run.runId,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    elapsed: run.results?.elapsed ?? null,
    error: run.error,
    failures: results
      .filter((r) => r.status === 'error' || r.status === 'fail')
      .map((r) => ({
        node: r.uniqueId,
        kind: r.kind,
        status: r.status,
        error: r.error?.message ?? null,
        location: r.error ? errorLocation(r.error) || null : null,
        attempts: r.attempts ?? 1,
      })),
    warnings: results.filter((r) => r.status === 'warn').map((r) => ({ node: r.uniqueId, kind: r.kind, failures: r.failures })),
  };
}

export function shouldAlert(schedule: Schedule, status: RunStatus): boolean {
  if (status === 'error' || status === 'aborted') return schedule.alerts.on.includes('failure');
  return status === 'warn' && schedule.alerts.on.includes('warning');
}

export interface AlertOutcome {
  channel: 'webhook' | 'command';
  ok: boolean;
  detail: string;
}

const WEBHOOK_TIMEOUT = 10_000;

/** `command` runs in the project folder. */
export async function sendAlerts(
  schedule: Schedule,
  summary: RunSummary,
  context: { env: Record<string, string | undefined>; root: string },
): Promise<AlertOutcome[]> {
  const outcomes: AlertOutcome[] = [];
  const { webhook, command } = schedule.alerts;
  if (webhook) outcomes.push(await postWebhook(webhook, summary));
  if (command) outcomes.push(await runCommand(command, summary, context));
  return outcomes;
}

async function postWebhook(url: string, summary: RunSummary): Promise<AlertOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'plat-scheduler' },
      body: JSON.stringify(summary),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT),
    });
    await response.body?.cancel();
    return { channel: 'webhook', ok: response.ok, detail: `${url} answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { channel: 'webhook', ok: false, detail: `${url}: ${cause ?? (error instanceof Error ? error.message : String(error))}` };
  }
}

function runCommand(
  command: string,
  summary: RunSummary,
  { env, root }: { env: Record<string, string | undefined>; root: string },
): Promise<AlertOutcome> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      cwd: root,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: {
        ...env,
        PLAT_SCHEDULE: summary.schedule,
        PLAT_RUN_ID: summary.runId === null ? '' : String(summary.runId),
        PLAT_RUN_STATUS: summary.status,
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.on('error', () => undefined);
    // One line per alert, so that appending them to a file keeps one summary a line.
    child.stdin.end(`${JSON.stringify(summary)}\n`);
    child.on('error', (error) => resolve({ channel: 'command', ok: false, detail: `${command}: ${error.message}` }));
    child.on('close', (code) =>
      resolve({
        channel: 'command',
        ok: code === 0,
        detail:
          code === 0 ? `${command} ran` : `${command} exited with ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
      }),
    );
  });
}
