/**
 * `plat retry`: the nodes that failed or were skipped in the last command (target/run_results.json),
 * run again by the same command with the same --vars and --full-refresh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProjectDir, retryableVerbs, type CompiledProject } from './api.js';
import { PlatError } from './core/errors.js';
import { resolveProjectDir } from './project/files.js';
import type { RunResults } from './run/results.js';
import type { RunOptions } from './run/run.js';

export interface RetryPlan {
  command: keyof typeof retryableVerbs;
  /** The nodes to run again, as unique_id selectors. */
  select: string[];
  vars: Record<string, unknown>;
  fullRefresh: boolean;
}

const retried = new Set(['error', 'fail', 'skipped']);

/** What to run again after `last`; null when it left nothing to retry. */
export function retryPlan(last: RunResults): RetryPlan | null {
  if (!Object.hasOwn(retryableVerbs, last.command))
    throw new PlatError(
      'USAGE',
      `the last command was "${last.command}", which plat retry does not repeat`,
      'retry follows run, build, test, seed and snapshot',
    );
  const ids = last.results.filter((r) => retried.has(r.status)).map((r) => r.uniqueId);
  if (ids.length === 0) return null;
  return {
    command: last.command as RetryPlan['command'],
    select: ids.map((id) => `unique_id:${id}`),
    vars: last.args?.vars ?? {},
    fullRefresh: last.args?.fullRefresh ?? false,
  };
}

export function readLastRun(root: string): RunResults {
  const path = join(root, 'target', 'run_results.json');
  if (!existsSync(path))
    throw new PlatError('STATE_MISSING', `no ${path}: nothing has run yet`, 'run plat build (or run, test, seed, snapshot) first');
  return JSON.parse(readFileSync(path, 'utf8')) as RunResults;
}

/**
 * Compiles the project with the last command's --vars and runs its failures again; a node that
 * no longer exists is left out. No plan: nothing failed; a plan selecting nothing: what failed
 * is gone from the project. Either way no results.
 */
export async function retry(
  options: { projectDir?: string } & Pick<RunOptions, 'threads' | 'env' | 'onEvent'>,
): Promise<{ plan: RetryPlan | null; project: CompiledProject | null; results: RunResults | null }> {
  const root = resolveProjectDir(options.projectDir);
  const plan = retryPlan(readLastRun(root));
  if (!plan) return { plan, project: null, results: null };
  const project = compileProjectDir({ projectDir: root, vars: plan.vars });
  if (!project.ok) return { plan, project, results: null };
  const select = plan.select.filter((term) => project.manifest.nodes[term.slice('unique_id:'.length)]);
  if (select.length === 0) return { plan: { ...plan, select }, project, results: null };
  const results = await retryableVerbs[plan.command](project.manifest, {
    ...options,
    select,
    vars: plan.vars,
    fullRefresh: plan.fullRefresh,
  });
  return { plan: { ...plan, select }, project, results };
}
