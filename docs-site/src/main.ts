import { selectNodes } from '../../framework/compile/select.js';
import type { NodeDetails, RunsData, SiteIndex } from '../../framework/docs/types.js';
import type { ColumnRef } from '../../framework/docs/lineage.js';
import { Details } from './details.js';
import type { DashboardsModule } from './dashboards/entry.js';
import { dashboardsList, loadDashboard } from './dashboards/list.js';
import type { DashboardView } from './dashboards/view.js';
import type { SceneNode } from './graph/scene.js';
import { GraphView } from './graph/view.js';
import { wireKeyboard } from './keyboard.js';
import { nodeBody, nodeHeader } from './pages/node.js';
import { overviewPanel } from './pages/overview.js';
import { nodeRuns, runsPage } from './pages/runs.js';
import { escape } from './render.js';
import { wireSearch } from './search.js';
import { loadSite } from './site.js';
import { Lineage } from './views/lineage.js';
import { Overview } from './views/overview.js';

declare global {
  interface Window {
    __PLAT_DOCS__: SiteIndex;
    /** runs.js; absent from a site generated before run history existed. */
    __PLAT_DOCS_RUNS__?: RunsData;
    platDocs: unknown;
  }
}

const element = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const site = loadSite(window.__PLAT_DOCS__);
const details = new Details(site);
const panel = element('panel');
const toolbar = element('graph-toolbar');
const showTests = element<HTMLInputElement>('show-tests');
const { project } = site.index;
element('project').textContent =
  `${project.name} · ${site.nodes.length.toLocaleString('en-US')} nodes · generated ${project.generatedAt.slice(0, 16).replace('T', ' ')}`;

type Route =
  | { kind: 'overview' }
  | { kind: 'runs' }
  | { kind: 'dashboards' }
  | { kind: 'dashboard'; name: string }
  | { kind: 'node'; id: string }
  | { kind: 'column'; id: string; column: string };
let route: Route = { kind: 'overview' };
/** Bumped by every navigation: an answer that arrives after the next one started is dropped. */
let navigation = 0;

const view = new GraphView(element('sigma'), element('legend'), (node: SceneNode) => {
  if (node.kind === 'cluster') void overview.expand([node.id]);
  else if (node.expands) void lineage.expand(node);
  else if (node.opens && node.column !== undefined)
    location.hash = `column=${encodeURIComponent(node.opens)}:${encodeURIComponent(node.column)}`;
  else if (node.opens) location.hash = `node=${encodeURIComponent(node.opens)}`;
});
const overview = new Overview(site, view, toolbar, () => showTests.checked);
const dashboardSection = element('dashboard');
/** The dashboards' bundle (ECharts), loaded when a dashboard is first opened. */
let dashboards: Promise<DashboardsModule> | null = null;
let dashboard: DashboardView | null = null;
const dashboardsModule = () =>
  (dashboards ??= new Promise<DashboardsModule>((resolve, reject) => {
    const script = document.createElement('script');
    script.onload = () => resolve(window.platDashboards!);
    script.onerror = () => reject(new Error('dashboards.app.js did not load: build plat again (npm run build)'));
    script.src = 'dashboards.app.js';
    document.head.append(script);
  }));
const lineage = new Lineage(site, details, view, toolbar, () => showTests.checked);

function parseRoute(): Route {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith('node=') && site.byId.has(hash.slice(5))) return { kind: 'node', id: hash.slice(5) };
  if (hash === 'runs') return { kind: 'runs' };
  if (hash === 'dashboards') return { kind: 'dashboards' };
  if (hash.startsWith('dashboard=')) return { kind: 'dashboard', name: hash.slice(10) };
  if (hash.startsWith('column=')) {
    const rest = hash.slice(7);
    const at = rest.lastIndexOf(':');
    if (site.byId.has(rest.slice(0, at))) return { kind: 'column', id: rest.slice(0, at), column: rest.slice(at + 1) };
  }
  return { kind: 'overview' };
}

async function show(): Promise<void> {
  const current = ++navigation;
  delete document.body.dataset.drawn;
  route = parseRoute();
  if (route.kind === 'dashboards' || route.kind === 'dashboard') {
    if (await showDashboard(route, current)) drawn(current);
    return;
  }
  leaveDashboard();
  if (route.kind === 'runs') {
    // The overview graph stays beside the Runs page.
    panel.innerHTML = runsPage(site, window.__PLAT_DOCS_RUNS__);
    delete panel.dataset.node;
    overview.enter();
    if (await overview.show()) drawn(current);
    return;
  }
  if (route.kind === 'overview') {
    panel.innerHTML = overviewPanel(site);
    delete panel.dataset.node;
    overview.enter();
    if (await overview.show()) drawn(current);
    return;
  }
  overview.leave();
  const { id } = route;
  if (route.kind === 'node') {
    const [, shown] = await Promise.all([nodePage(id, current), lineage.show(id)]);
    if (shown) drawn(current);
    return;
  }
  const { column } = route;
  if (panel.dataset.node !== id || !panel.querySelector('#columns')) await nodePage(id, current);
  let upstream: ColumnRef[] | null;
  try {
    upstream = await lineage.showColumn({ node: id, column });
  } catch (error) {
    if (current === navigation) element('column-lineage').innerHTML = `<p class="status s-error">${escape((error as Error).message)}</p>`;
    return;
  }
  if (current !== navigation || !upstream) return;
  drawn(current);
  const name = (ref: { node: string; column: string }) => escape(`${site.byId.get(ref.node)?.name ?? ref.node}.${ref.column}`);
  element('column-lineage').innerHTML =
    `<h2>Lineage of ${escape(column)}</h2><ul id="column-sources">${upstream.map((ref) => `<li>${name(ref)}</li>`).join('') || '<li class="muted">no upstream columns</li>'}</ul>`;
}

/** A dashboard, or the list of them, in place of the graph and the panel. */
async function showDashboard(to: Route & { kind: 'dashboards' | 'dashboard' }, current: number): Promise<boolean> {
  document.body.dataset.view = 'dashboard';
  overview.leave();
  if (to.kind === 'dashboards') {
    dashboard?.close();
    dashboardSection.innerHTML = dashboardsList();
    return true;
  }
  dashboardSection.innerHTML = '<p class="muted">Loading…</p>';
  try {
    // The chart library and the data load side by side.
    const [module, data] = await Promise.all([dashboardsModule(), loadDashboard(to.name)]);
    if (current !== navigation) return false;
    dashboard ??= new module.DashboardView(dashboardSection);
    dashboard.show(data);
    return true;
  } catch (error) {
    if (current === navigation) dashboardSection.innerHTML = `<p class="status s-error">${escape((error as Error).message)}</p>`;
    return false;
  }
}

function leaveDashboard(): void {
  if (document.body.dataset.view !== 'dashboard') return;
  delete document.body.dataset.view;
  dashboard?.close();
  dashboardSection.innerHTML = '';
}

/** Marks the page's graph as drawn for what the address says (tests and benches wait for it). */
function drawn(current: number): void {
  if (current === navigation) document.body.dataset.drawn = location.hash || '#';
}

/** The node page: its header at once from the index, the rest when its details have loaded. */
async function nodePage(id: string, current: number): Promise<void> {
  const node = site.byId.get(id)!;
  panel.dataset.node = id;
  delete panel.dataset.ready;
  panel.innerHTML = `${nodeHeader(node)}<div id="node-body" aria-busy="true"><p class="muted">Loading…</p></div>`;
  panel.scrollTop = 0;
  let loaded: NodeDetails | undefined;
  try {
    loaded = details.peek(id) ?? (await details.of(id));
  } catch (error) {
    if (current === navigation) element('node-body').innerHTML = `<p class="status s-error">${escape((error as Error).message)}</p>`;
    return;
  }
  if (current !== navigation || !loaded) return;
  const body = element('node-body');
  body.innerHTML = nodeBody(site, node, loaded) + nodeRuns(id, window.__PLAT_DOCS_RUNS__);
  body.removeAttribute('aria-busy');
  // biome-ignore lint/suspicious/noExplicitAny: each kind's details are a different JSON shape
  const forecast = (loaded.details as any).forecast;
  if (forecast?.length) void dashboardsModule().then((charts) => current === navigation && charts.mountForecast(body, forecast));
  body
    .querySelectorAll<HTMLButtonElement>('.column-link')
    .forEach((button) =>
      button.addEventListener(
        'click',
        () => (location.hash = `column=${encodeURIComponent(id)}:${encodeURIComponent(button.dataset.column!)}`),
      ),
    );
  panel.dataset.ready = id;
  performance.mark('plat:page-ready');
}

wireSearch(site, element<HTMLInputElement>('search'), element('matches'), (id) => (location.hash = `node=${encodeURIComponent(id)}`));

// The filter box takes the CLI's selector syntax, evaluated by the same code, and lays out what it selects.
let hidden = new Set<string>();
const filter = element<HTMLInputElement>('filter');
const status = element('filter-status');
filter.addEventListener('change', () => {
  const text = filter.value.trim();
  if (!text) {
    overview.selection = null;
    hidden = new Set();
    status.textContent = '';
  } else {
    const { ids, diagnostics } = selectNodes(site.manifest, { select: [text] });
    overview.selection = ids;
    hidden = new Set(site.nodes.map((n) => n.id).filter((id) => !ids.has(id)));
    status.textContent = `${ids.size} of ${site.nodes.length} nodes${diagnostics.length ? ` · ${diagnostics.map((d) => d.message + (d.hint ? ` (${d.hint})` : '')).join('; ')}` : ''}`;
  }
  overview.regroup();
  if (route.kind === 'overview' || route.kind === 'runs') void overview.show();
  else location.hash = '';
});

showTests.addEventListener(
  'change',
  () =>
    void (route.kind === 'node'
      ? lineage.show(route.id)
      : route.kind === 'overview' || route.kind === 'runs'
        ? overview.show()
        : undefined),
);

// Esc goes back while there is a page of this site to go back to: entries are numbered as they are made.
let entries = 0;
history.replaceState({ platEntry: 0 }, '');
window.addEventListener('hashchange', () => {
  if (typeof history.state?.platEntry !== 'number') history.replaceState({ platEntry: ++entries }, '');
  void show();
});
wireKeyboard(element<HTMLInputElement>('search'), element('matches'), view, {
  current: () => (route.kind === 'node' ? route.id : route.kind === 'column' ? `${route.id}.${route.column}` : null),
  open: (id) => {
    const node = view.node(id);
    if (node?.opens && node.column !== undefined)
      location.hash = `column=${encodeURIComponent(node.opens)}:${encodeURIComponent(node.column)}`;
    else if (node?.opens) location.hash = `node=${encodeURIComponent(node.opens)}`;
  },
  // Only the entry the page loaded at is numbered 0; one not numbered yet is a navigation whose
  // hashchange has not run, so there is a page of this site to go back to.
  back: () => {
    if (history.state?.platEntry !== 0) history.back();
    else if (location.hash) location.hash = '';
  },
});

const events = location.protocol.startsWith('http') ? new EventSource('/__plat/events') : null;
events?.addEventListener('reload', () => location.reload());
window.platDocs = {
  site,
  data: site.index,
  view,
  overview,
  lineage,
  get graph() {
    return view.graph;
  },
  get renderer() {
    return view.renderer;
  },
  hidden: () => hidden,
  get dashboard() {
    return dashboard;
  },
  events,
};
void show();
