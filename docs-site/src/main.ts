import Graph from 'graphology';
import Sigma from 'sigma';
import { NodePointProgram } from 'sigma/rendering';
import { selectNodes } from '../../framework/compile/select.js';
import type { Manifest } from '../../framework/compile/manifest.js';
import type { DocNode, DocsData } from '../../framework/docs/types.js';
import { badge, escape, highlightSql, lineChart, rocChart } from './render.js';

declare global {
  interface Window {
    __PLAT_DOCS__: DocsData;
    platDocs: unknown;
  }
}

const data = window.__PLAT_DOCS__;
const byId = new Map(data.nodes.map((n) => [n.id, n]));
const colors: Record<string, string> = { source: '#16a34a', model: '#2563eb', test: '#9ca3af', ml_train: '#c026d3', ml_score: '#db2777', agent_tool: '#ea580c' };
const panel = document.getElementById('panel')!;
document.getElementById('project')!.textContent = `${data.project.name} · ${data.nodes.length} nodes · generated ${data.project.generatedAt.slice(0, 16).replace('T', ' ')}`;

// Left to right by layer; within a layer, sources and models first, tests after.
const graph = new Graph();
const layers = new Map<number, DocNode[]>();
for (const node of data.nodes) layers.set(node.layer, [...(layers.get(node.layer) ?? []), node]);
const rank: Record<string, number> = { source: 0, model: 1, ml_train: 2, ml_score: 3, agent_tool: 4, test: 5 };
for (const [layer, nodes] of layers) {
  nodes.sort((a, b) => rank[a.kind]! - rank[b.kind]! || a.name.localeCompare(b.name));
  nodes.forEach((node, i) =>
    graph.addNode(node.id, { label: node.name, x: layer * 12, y: (nodes.length / 2 - i) * 2, size: node.kind === 'test' ? 3 : 7, color: colors[node.kind] ?? '#64748b' }),
  );
}
for (const [parent, children] of Object.entries(data.children)) for (const child of children) graph.addEdge(parent, child, { size: 1, color: '#cbd5e1' });
const large = graph.order > 5000;

let hidden = new Set<string>();
let focus: Set<string> | null = null;
// Tests are half the nodes of a big project; they start hidden there, a click away.
const showTests = document.getElementById('show-tests') as HTMLInputElement;
showTests.checked = !large;
let hideTests = large;
// Big projects: plain edges, labels only when zoomed in, nothing redrawn but nodes while moving.
const renderer = new Sigma(graph, document.getElementById('graph')!, {
  // Square points are far cheaper to draw than anti-aliased circles where WebGL runs in software.
  ...(large ? { nodeProgramClasses: { circle: NodePointProgram } } : {}),
  defaultEdgeType: large ? 'line' : 'arrow',
  labelRenderedSizeThreshold: large ? 12 : 5,
  hideEdgesOnMove: large,
  hideLabelsOnMove: large,
  nodeReducer: (node, attrs) => {
    if (hidden.has(node) || (hideTests && byId.get(node)!.kind === 'test')) return { ...attrs, hidden: true };
    if (focus && !focus.has(node)) return { ...attrs, color: '#e5e7eb', label: '' };
    // A highlighted node draws its label boxed; thousands of them make every frame slow.
    return focus?.has(node) && focus.size <= 200 ? { ...attrs, highlighted: true } : attrs;
  },
  edgeReducer: (edge, attrs) => {
    const [source, target] = graph.extremities(edge);
    if (hidden.has(source) || hidden.has(target) || (hideTests && byId.get(target)!.kind === 'test')) return { ...attrs, hidden: true };
    // On big projects edges are drawn only for the focused lineage: tens of thousands of edges
    // drawn at once are unreadable anyway, and slow where WebGL runs in software.
    if (large && !(focus?.has(source) && focus.has(target))) return { ...attrs, hidden: true };
    if (focus && !(focus.has(source) && focus.has(target))) return { ...attrs, color: '#f1f5f9' };
    return attrs;
  },
});
renderer.on('clickNode', ({ node }) => (location.hash = `node=${encodeURIComponent(node)}`));
renderer.on('clickStage', () => {
  focus = null;
  renderer.refresh({ skipIndexation: true });
});

const walk = (start: string, edges: Record<string, string[]>) => {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) for (const next of edges[stack.pop()!] ?? []) if (!seen.has(next)) seen.add(next), stack.push(next);
  return seen;
};
const link = (id: string) => `<a href="#node=${encodeURIComponent(id)}">${escape(byId.get(id)?.name ?? id)}</a>`;

showTests.addEventListener('change', () => {
  hideTests = !showTests.checked;
  renderer.refresh({ skipIndexation: true });
});

function overview(): void {
  if (focus) {
    focus = null;
    renderer.refresh({ skipIndexation: true });
  }
  const counts = data.nodes.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n.kind]: (acc[n.kind] ?? 0) + 1 }), {});
  const failing = data.nodes.filter((n) => n.kind === 'test' && (n.lastRun?.status === 'fail' || n.lastRun?.status === 'error' || n.lastRun?.status === 'warn'));
  panel.innerHTML = `<h1>${escape(data.project.name)}</h1>
    <p class="muted">${Object.entries(counts).map(([k, n]) => `${n} ${escape(k)}`).join(' · ')}</p>
    <h2>Last run</h2>
    ${data.lastRun ? `<p>plat ${escape(data.lastRun.command)} at ${escape(data.lastRun.generatedAt)} in ${data.lastRun.elapsed.toFixed(2)}s: ${Object.entries(data.lastRun.counts).map(([s, n]) => `${badge(s)} ${n}`).join(' ')}</p>` : '<p class="muted">No run yet: plat build writes target/run_results.json.</p>'}
    <h2>Tests that did not pass</h2>
    ${failing.length ? `<table><tr><th>test</th><th>status</th><th>failing rows</th></tr>${failing.map((t) => `<tr><td>${link(t.id)}</td><td>${badge(t.lastRun!.status)}</td><td>${t.lastRun!.failures ?? ''}</td></tr>`).join('')}</table>` : '<p class="muted">None.</p>'}
    <p class="muted">Click a node in the graph, search, or filter with selectors (<code>+revenue_per_hour</code>, <code>tag:marts</code>).</p>`;
}

function nodePage(id: string): void {
  const node = byId.get(id);
  if (!node) return overview();
  focus = new Set([...walk(id, data.parents), ...walk(id, data.children)]);
  renderer.refresh({ skipIndexation: true });
  const lineage = data.lineage[id] ?? [];
  const d = node.details as Record<string, any>;
  const columnRows = node.columns
    .map((c) => {
      const from = lineage.find((l) => l.name === c.name)?.from ?? [];
      return `<tr><td>${node.kind === 'model' ? `<button class="column-link" data-column="${escape(c.name)}">${escape(c.name)}</button>` : escape(c.name)}</td><td>${escape(c.type ?? '')}</td><td>${escape(c.description)}</td>
        <td>${c.tests.map((t) => `${link(t.id)} ${badge(t.status)}`).join('<br>')}</td><td>${from.map((f) => `${escape(byId.get(f.node)?.name ?? f.node)}.${escape(f.column)}`).join(', ')}</td></tr>`;
    })
    .join('');
  panel.innerHTML = `<span class="kind">${escape(node.kind.replace('_', ' '))}</span><h1>${escape(node.name)}</h1>
    <p class="muted">${escape(node.relation ?? '')} · ${escape(node.path)}</p>
    <p>${escape(node.description) || '<span class="muted">No description.</span>'}</p>
    <table class="facts">
      ${node.materialized ? `<tr><td>materialized</td><td>${escape(node.materialized)}</td></tr>` : ''}
      ${node.rows !== null ? `<tr><td>rows</td><td>${node.rows.toLocaleString()}</td></tr>` : ''}
      <tr><td>last run</td><td>${node.lastRun ? `${badge(node.lastRun.status)} ${escape(node.lastRun.action)} · ${node.lastRun.executionTime.toFixed(2)}s · ${escape(node.lastRun.completedAt)}${node.lastRun.message ? `<br><span class="muted">${escape(node.lastRun.message)}</span>` : ''}` : badge(null)}</td></tr>
      ${node.tags.length ? `<tr><td>tags</td><td>${node.tags.map(escape).join(', ')}</td></tr>` : ''}
    </table>
    ${kindDetails(node, d)}
    ${node.columns.length ? `<h2>Columns</h2><table id="columns"><tr><th>name</th><th>type</th><th>description</th><th>tests</th><th>from</th></tr>${columnRows}</table>` : ''}
    <div id="column-lineage"></div>
    <h2>Upstream</h2><p>${(data.parents[id] ?? []).map(link).join(', ') || '<span class="muted">none</span>'}</p>
    <h2>Downstream</h2><p>${(data.children[id] ?? []).map(link).join(', ') || '<span class="muted">none</span>'}</p>
    ${node.rawSql ? `<h2>SQL</h2><details open><summary>source</summary><pre>${highlightSql(node.rawSql)}</pre></details>` : ''}
    ${node.compiledSql ? `<details><summary>compiled</summary><pre>${highlightSql(node.compiledSql)}</pre></details>` : ''}`;
  panel.querySelectorAll<HTMLButtonElement>('.column-link').forEach((button) => button.addEventListener('click', () => (location.hash = `column=${encodeURIComponent(id)}:${encodeURIComponent(button.dataset.column!)}`)));
  panel.scrollTop = 0;
}

function kindDetails(node: DocNode, d: Record<string, any>): string {
  switch (node.kind) {
    case 'source':
      return `<h2>Loader</h2><p>${escape(d.loader)}${d.generator ? ` · ${d.generator.rows.toLocaleString()} rows, seed ${d.generator.seed}` : ''}</p>
        ${d.deadLetters !== null && d.deadLetters !== undefined ? `<p>dead letters: ${d.deadLetters}</p>` : ''}
        ${d.freshness ? `<p>freshness: ${escape(JSON.stringify(d.freshness))}</p>` : ''}`;
    case 'model':
      return d.chart ? `<h2>Latest data</h2>${lineChart(d.chart.points, d.chart.measures)}` : '';
    case 'test':
      return `<p>${escape(d.testType)} test${d.attachedTo ? ` on ${link(d.attachedTo)}${d.column ? `.${escape(d.column)}` : ''}` : ''}, severity ${escape(d.severity)}${d.failures !== null ? `, ${d.failures} failing rows` : ''}</p>`;
    case 'ml_train': {
      const metrics = Object.entries(d.metrics ?? {}).filter(([, v]) => typeof v === 'number') as [string, number][];
      const matrix = d.metrics?.confusion_matrix as number[][] | undefined;
      return `<h2>Model ${escape(d.version ?? 'not trained')}${d.promoted ? ' (promoted)' : ''}</h2>
        <table id="metrics">${metrics.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${v.toFixed(4)}</td></tr>`).join('')}</table>
        ${matrix ? `<h2>Confusion matrix</h2><table><tr><th>actual \\ predicted</th>${(d.classes ?? []).map((c: unknown) => `<th>${escape(c)}</th>`).join('')}</tr>${matrix.map((row, i) => `<tr><th>${escape(d.classes?.[i])}</th>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('')}</table>` : ''}
        ${d.roc ? `<h2>ROC curve</h2>${rocChart(d.roc, d.metrics?.roc_auc)}` : ''}
        <p class="muted">features: ${(d.features ?? []).map(escape).join(', ')}</p>`;
    }
    case 'ml_score':
      return `<p>predictions of ${escape(d.model)} ${escape(d.version ?? '')}</p>`;
    case 'agent_tool':
      return `<h2>Agent tool</h2><p>${d.builtin ? `built-in ${escape(d.builtin)}` : 'parameterized query'}${d.agents?.length ? ` · used by ${d.agents.map(escape).join(', ')}` : ''}${d.reads?.length ? ` · reads ${d.reads.map(escape).join(', ')}` : ''}</p>
        <h2>Parameters</h2><pre>${escape(JSON.stringify(d.parameters, null, 2))}</pre>`;
    default:
      return '';
  }
}

/** Every upstream column, transitively, as layers for a focused left-to-right graph. */
function columnLineage(id: string, column: string): void {
  if (!panel.querySelector('#columns') || !location.hash.includes(encodeURIComponent(id))) nodePage(id);
  const levels: { node: string; column: string }[][] = [[{ node: id, column }]];
  const edges: [string, string][] = [];
  const seen = new Set([`${id}.${column}`]);
  for (let depth = 0; depth < 30 && levels[depth]!.length; depth++) {
    const next: { node: string; column: string }[] = [];
    for (const ref of levels[depth]!) {
      for (const from of data.lineage[ref.node]?.find((c) => c.name === ref.column)?.from ?? []) {
        const key = `${from.node}.${from.column}`;
        edges.push([key, `${ref.node}.${ref.column}`]);
        if (!seen.has(key)) seen.add(key), next.push(from);
      }
    }
    levels.push(next);
  }
  const used = levels.filter((l) => l.length).reverse();
  const position = new Map<string, [number, number]>();
  used.forEach((level, x) => level.forEach((ref, y) => position.set(`${ref.node}.${ref.column}`, [10 + x * 190, 20 + y * 34])));
  const width = used.length * 190 + 20;
  const height = Math.max(...used.map((l) => l.length)) * 34 + 20;
  const svg = `<svg id="column-graph" viewBox="0 0 ${width} ${height}" width="100%">${edges
    .map(([a, b]) => {
      const [x1, y1] = position.get(a)!;
      const [x2, y2] = position.get(b)!;
      return `<line x1="${x1 + 170}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#94a3b8"/>`;
    })
    .join('')}${[...position].map(([key, [x, y]]) => `<text x="${x}" y="${y + 4}" data-column="${escape(key)}">${escape(`${byId.get(key.slice(0, key.lastIndexOf('.')))?.name ?? ''}.${key.slice(key.lastIndexOf('.') + 1)}`)}</text>`).join('')}</svg>`;
  const list = [...seen].filter((k) => k !== `${id}.${column}`).map((k) => `<li>${escape(`${byId.get(k.slice(0, k.lastIndexOf('.')))?.name}.${k.slice(k.lastIndexOf('.') + 1)}`)}</li>`);
  document.getElementById('column-lineage')!.innerHTML = `<h2>Lineage of ${escape(column)}</h2>${svg}<ul id="column-sources">${list.join('') || '<li class="muted">no upstream columns</li>'}</ul>`;
  focus = new Set([...seen].map((k) => k.slice(0, k.lastIndexOf('.'))));
  renderer.refresh({ skipIndexation: true });
}

function route(): void {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith('node=')) nodePage(hash.slice(5));
  else if (hash.startsWith('column=')) {
    const rest = hash.slice(7);
    const at = rest.lastIndexOf(':');
    columnLineage(rest.slice(0, at), rest.slice(at + 1));
  } else overview();
}

// Search: names containing the text; Enter opens the first.
const search = document.getElementById('search') as HTMLInputElement;
const matches = document.getElementById('matches')!;
const found = () => data.nodes.filter((n) => search.value && n.name.toLowerCase().includes(search.value.toLowerCase())).slice(0, 12);
search.addEventListener('input', () => {
  matches.innerHTML = found().map((n) => `<li data-id="${escape(n.id)}"><span class="kind">${escape(n.kind)}</span>${escape(n.name)}</li>`).join('');
});
search.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || !found()[0]) return;
  location.hash = `node=${encodeURIComponent(found()[0]!.id)}`;
  matches.innerHTML = '';
});
matches.addEventListener('click', (event) => {
  const id = (event.target as HTMLElement).closest('li')?.dataset.id;
  if (id) location.hash = `node=${encodeURIComponent(id)}`;
  matches.innerHTML = '';
});

// The filter box takes the CLI's selector syntax, evaluated by the same code.
const manifest = {
  nodes: Object.fromEntries(data.nodes.map((n) => [n.id, { uniqueId: n.id, kind: n.kind, name: n.name, fqn: n.fqn, tags: n.tags, path: n.path, ...n.select }])),
  parents: data.parents,
  children: data.children,
  vars: {},
  macros: {},
} as unknown as Manifest;
const filter = document.getElementById('filter') as HTMLInputElement;
const status = document.getElementById('filter-status')!;
filter.addEventListener('change', () => {
  const text = filter.value.trim();
  if (!text) {
    hidden = new Set();
    status.textContent = '';
  } else {
    const { ids, diagnostics } = selectNodes(manifest, { select: [text] });
    hidden = new Set(data.nodes.map((n) => n.id).filter((id) => !ids.has(id)));
    status.textContent = `${ids.size} of ${data.nodes.length} nodes${diagnostics.length ? ` · ${diagnostics.map((d) => d.message + (d.hint ? ` (${d.hint})` : '')).join('; ')}` : ''}`;
  }
  renderer.refresh({ skipIndexation: true });
});

window.addEventListener('hashchange', route);
route();
const events = location.protocol.startsWith('http') ? new EventSource('/__plat/events') : null;
events?.addEventListener('reload', () => location.reload());
window.platDocs = { graph, renderer, data, hidden: () => hidden, events };
