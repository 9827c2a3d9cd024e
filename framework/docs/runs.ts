/**
 * The Runs page's data: the latest runs from the history in the warehouse (`_plat.runs`), each
 * with its node executions, written as runs.js beside data.js. Node pages list a node's recent
 * executions from the same file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunHistory } from '../run/runs.js';
import type { Connection } from '../warehouse/connection.js';
import type { RunsData } from './types.js';

/** Runs the page shows. */
const SHOWN = 30;

export async function runsData(session: Connection | null): Promise<RunsData> {
  if (!session || !(await RunHistory.exists(session))) return { runs: [] };
  const history = RunHistory.reader(session);
  const runs = await history.list({ limit: SHOWN });
  const withNodes: RunsData['runs'] = [];
  for (const run of runs) withNodes.push({ run, nodes: (await history.get(run.id))?.nodes ?? [] });
  return { runs: withNodes };
}

/** Written before data.js: open pages reload when data.js changes, and find this one new. */
export function writeRunsData(out: string, data: RunsData): void {
  writeFileSync(
    join(out, 'runs.js'),
    `window.__PLAT_DOCS_RUNS__ = JSON.parse(${JSON.stringify(JSON.stringify(data)).replace(/</g, '\\u003c')});\n`,
  );
}
