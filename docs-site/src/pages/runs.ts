import type { RunsData } from '../../../framework/docs/types.js';
import type { NodeRunRecord, RunRecord } from '../../../framework/run/records.js';
import { badge, escape } from '../render.js';
import type { Site } from '../site.js';

type Run = RunsData['runs'][number];

const when = (iso: string | null) => (iso ? escape(iso.slice(0, 19).replace('T', ' ')) : '—');
const seconds = (value: number | null) => (value === null ? '—' : `${value.toFixed(2)}s`);
const origin = (run: RunRecord) => (run.schedule ? `schedule ${escape(run.schedule)}` : escape(run.trigger));

/** `#runs`: the latest runs, each a timeline of its nodes (retries as bars of their own), failures with their errors. */
export function runsPage(site: Site, data: RunsData | undefined): string {
  const runs = data?.runs ?? [];
  if (runs.length === 0)
    return '<h1>Runs</h1><p class="muted">No runs recorded yet: every plat run, build, test, stream and scheduled run is recorded in _plat.runs.</p>';
  return `<h1>Runs</h1><p class="muted">The latest ${runs.length} runs, newest first, from _plat.runs.</p>${runs.map((run) => runSection(site, run)).join('')}`;
}

function runSection(site: Site, { run, nodes }: Run): string {
  const start = Date.parse(run.startedAt);
  const span = Math.max(1, ...nodes.map((n) => Date.parse(n.completedAt) - start), (run.elapsed ?? 0) * 1000);
  const bar = (node: NodeRunRecord) => {
    const left = ((Date.parse(node.startedAt) - start) / span) * 100;
    const width = Math.max(0.5, ((Date.parse(node.completedAt) - Date.parse(node.startedAt)) / span) * 100);
    const label = `${node.name}${node.attempt > 1 ? ` (attempt ${node.attempt})` : ''}`;
    return `<div class="run-lane"><span class="run-node" title="${escape(node.uniqueId)}">${link(site, node.uniqueId, label)}</span>
      <span class="run-track"><span class="run-bar s-${escape(node.status)}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%" title="${escape(`${label}: ${node.status}, ${node.executionTime.toFixed(2)}s`)}"></span></span></div>`;
  };
  const failed = nodes.filter((n) => n.error);
  return `<section class="run" id="run-${run.id}">
    <h2>run ${run.id} ${badge(run.status)} <span class="muted">plat ${escape(run.command)} · ${origin(run)} · ${when(run.startedAt)} · ${seconds(run.elapsed)}</span></h2>
    ${run.error ? `<p class="status s-error">${escape(run.error)}</p>` : ''}
    <div class="run-timeline">${nodes.map(bar).join('')}</div>
    ${failed.length ? `<ul class="run-errors">${failed.map((n) => `<li>${link(site, n.uniqueId, n.name)}${n.attempt > 1 ? ` (attempt ${n.attempt})` : ''}: ${n.errorLocation ? `<span class="muted">${escape(n.errorLocation)}</span> ` : ''}${escape(n.error)}</li>`).join('')}</ul>` : ''}
  </section>`;
}

function link(site: Site, id: string, label: string): string {
  return site.byId.has(id) ? `<a href="#node=${encodeURIComponent(id)}">${escape(label)}</a>` : escape(label);
}

/** A node page's "Recent runs": its executions in the runs of runs.js, newest first. */
export function nodeRuns(id: string, data: RunsData | undefined): string {
  const rows = (data?.runs ?? []).flatMap(({ run, nodes }) =>
    nodes
      .filter((n) => n.uniqueId === id)
      .reverse()
      .map((n) => ({ run, n })),
  );
  if (rows.length === 0) return '';
  return `<h2>Recent runs</h2><table id="node-runs"><tr><th>run</th><th>status</th><th>started</th><th>took</th><th>rows</th></tr>${rows
    .slice(0, 10)
    .map(
      ({ run, n }) =>
        `<tr><td><a href="#runs">${run.id}</a>${n.attempt > 1 ? ` · attempt ${n.attempt}` : ''}</td><td>${badge(n.status)}${n.error ? `<br><span class="muted">${escape(n.error.split('\n')[0])}</span>` : ''}</td><td>${when(n.startedAt)}</td><td>${seconds(n.executionTime)}</td><td>${n.rows ?? ''}</td></tr>`,
    )
    .join('')}</table>`;
}
