import { badge, escape } from '../render.js';
import type { Site } from '../site.js';
import { link } from './node.js';

/** The panel with no node open: the project, its last run and the tests that did not pass. */
export function overviewPanel(site: Site): string {
  const { index } = site;
  const counts = new Map<string, number>();
  for (const node of site.nodes) counts.set(node.kind, (counts.get(node.kind) ?? 0) + 1);
  const failing = site.nodes.filter(
    (n) => n.kind === 'test' && (n.lastRun?.status === 'fail' || n.lastRun?.status === 'error' || n.lastRun?.status === 'warn'),
  );
  const last = index.lastRun;
  return `<h1>${escape(index.project.name)}</h1>
    <p class="muted">${[...counts].map(([k, n]) => `${n.toLocaleString('en-US')} ${escape(k)}`).join(' · ')}</p>
    <h2>Last run</h2>
    ${
      last
        ? `<p>plat ${escape(last.command)} at ${escape(last.generatedAt)} in ${last.elapsed.toFixed(2)}s: ${Object.entries(last.counts)
            .map(([s, n]) => `${badge(s)} ${n}`)
            .join(' ')}</p>`
        : '<p class="muted">No run yet: plat build writes target/run_results.json.</p>'
    }
    <p><a href="#runs" id="runs-link">All recent runs</a>, node by node, with their retries and errors.</p>
    <h2>Tests that did not pass</h2>
    ${failing.length ? `<table><tr><th>test</th><th>status</th><th>failing rows</th></tr>${failing.map((t) => `<tr><td>${link(site, t.id)}</td><td>${badge(t.lastRun!.status)}</td><td>${t.lastRun!.failures ?? ''}</td></tr>`).join('')}</table>` : '<p class="muted">None.</p>'}
    <p class="muted">Click a node in the graph, search (<kbd>/</kbd>), or filter with selectors (<code>+revenue_per_hour</code>, <code>tag:marts</code>).
    On a node, <kbd>←</kbd> <kbd>→</kbd> walk upstream and downstream, <kbd>↑</kbd> <kbd>↓</kbd> along a column, <kbd>Esc</kbd> goes back.</p>`;
}
