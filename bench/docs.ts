/**
 * npm run bench:docs [-- --models N --factory-dir <dir> --keep]
 * Generates the site for the compile bench's synthetic project (10,000 models by default, each
 * with a test) and opens it in Chromium at 1400×900. Times are taken in the page (its clock, from
 * the input event's timestamp to the site's performance mark), not across the DevTools protocol.
 * - generate: plat docs generate after an untimed compile, 3 times, each in a process of its own
 *   (docs_generate.ts): one run took 4.9 s and the next 1.7 s on this project's VM
 * - clusters: navigation to the overview's clusters drawn
 * - render (first interactive render): navigation to a node page ready, opened as soon as the
 *   overview was drawn
 * - click: a click on a node in a lineage graph to its page ready (details loaded and shown)
 * - lineage: the same click to its focused lineage drawn
 * - search: a keystroke in the search box to the matches shown
 * - dashboard: the factory example's dashboards (docs_dashboards.ts; `--factory-dir <dir>` names a
 *   built copy instead of building one): navigation to every chart drawn, the slowest dashboard's
 *   median; dashboard_filter: a filter's change to every chart drawn again, likewise
 * Generations and page loads are repeated 3 times, clicks 6, keystrokes 7 or 8; figures are medians.
 * Targets (issues 21 §4, 22 and 17): generate ≤ 1.5 s, render ≤ 1.5 s, clusters ≤ 1.5 s,
 * click ≤ 100 ms, lineage ≤ 300 ms, search ≤ 50 ms, dashboard ≤ 1 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { compileProjectDir } from '../framework/api.js';
import { dashboardFigures } from './docs_dashboards.js';
import { argument, option, removeUnlessKept, syntheticProject } from './synthetic.js';
import { reportBench } from './report.js';

/** The browser (scripts/chromium.sh installs Debian's chromium when it is missing), before anything is built. */
function browserPath(): string {
  try {
    return execFileSync(join(import.meta.dirname, '../../scripts/chromium.sh'), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch {
    process.exit(2);
  }
}
const executablePath = browserPath();

const models = argument('models', 10_000);
const dir = syntheticProject(models);
const generations = [0, 1, 2].map(() => generate(dir));
const generated = generations.at(-1)!;
// The nodes the page is driven to.
const { manifest } = compileProjectDir({ projectDir: dir }, false);
const url = pathToFileURL(join(generated.dir, 'index.html')).href;
const browser = await chromium.launch({
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const marks = (page: Page, name: string) => page.evaluate((mark) => performance.getEntriesByName(mark).map((e) => e.startTime), name);
const first = Object.values(manifest.nodes).find((n) => n.kind === 'model' && n.name.startsWith('int_'))!;

const clusters: number[] = [];
const render: number[] = [];
for (let run = 0; run < 3; run++) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Opens a node page the moment the overview is drawn: the first interactive render.
  await page.addInitScript((id) => {
    const w = globalThis as any;
    new w.MutationObserver((_: unknown, observer: { disconnect(): void }) => {
      if (w.document.body?.dataset.drawn !== '#') return;
      observer.disconnect();
      w.location.hash = `node=${encodeURIComponent(id)}`;
    }).observe(w.document, { attributes: true, subtree: true, attributeFilter: ['data-drawn'] });
  }, first.uniqueId);
  await page.goto(url);
  await page.waitForFunction((id) => (globalThis as any).document.getElementById('panel')?.dataset.ready === id, first.uniqueId, {
    timeout: 120_000,
  });
  clusters.push((await marks(page, 'plat:overview-drawn'))[0]! / 1000);
  render.push((await marks(page, 'plat:page-ready'))[0]! / 1000);
  await page.close();
}

const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${url}#node=${encodeURIComponent(first.uniqueId)}`);
const clicks: number[] = [];
const lineages: number[] = [];
let at = first.uniqueId;
for (let k = 0; k < 6; k++) {
  await page.waitForFunction((hash) => (globalThis as any).document.body.dataset.drawn === hash, `#node=${encodeURIComponent(at)}`, {
    timeout: 60_000,
  });
  // A neighbour drawn in the lineage graph, alternately upstream and downstream, clicked with the mouse.
  const target = await page.evaluate(
    ({ from, upstream }) => {
      const w = globalThis as any;
      const { view } = w.platDocs;
      const box = w.document.getElementById('sigma').getBoundingClientRect();
      const ids: string[] = view.scene.edges
        .filter((e: any) => (upstream ? e.target === from : e.source === from))
        .map((e: any) => (upstream ? e.source : e.target));
      const id = ids.find((n) => view.node(n)?.opens) ?? view.scene.nodes.find((n: any) => n.opens && n.id !== from)?.id;
      const point = view.renderer.graphToViewport(view.graph.getNodeAttributes(id));
      w.clickedAt = null;
      w.addEventListener('click', (event: { timeStamp: number }) => (w.clickedAt = event.timeStamp), { capture: true, once: true });
      return { id, x: box.left + point.x, y: box.top + point.y };
    },
    { from: at, upstream: k % 2 === 1 },
  );
  // Sigma reads two clicks within doubleClickTimeout (300 ms) as a double click, wherever they are.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await page.mouse.click(target.x, target.y);
  await page.waitForFunction(
    (hash) => {
      const { document } = globalThis as any;
      return document.body.dataset.drawn === hash && document.getElementById('panel').dataset.ready !== undefined;
    },
    `#node=${encodeURIComponent(target.id)}`,
    { timeout: 60_000 },
  );
  const clickedAt = await page.evaluate(() => (globalThis as any).clickedAt as number);
  clicks.push(((await marks(page, 'plat:page-ready')).at(-1)! - clickedAt) / 1000);
  lineages.push(((await marks(page, 'plat:lineage-drawn')).at(-1)! - clickedAt) / 1000);
  at = target.id;
}

await page.click('#search');
const keystrokes: number[] = [];
// A model's name, a character at a time: every prefix matches, so every keystroke changes the list.
for (const key of first.name) {
  // Listens first, then types: the time runs from the keydown to the frame after the matches changed.
  await page.evaluate(() => {
    const w = globalThis as any;
    w.keystroke = new Promise<number>((resolve) => {
      let typedAt = 0;
      w.addEventListener('keydown', (event: { timeStamp: number }) => (typedAt = event.timeStamp), { capture: true, once: true });
      new w.MutationObserver((_: unknown, observer: { disconnect(): void }) => {
        observer.disconnect();
        w.requestAnimationFrame(() => resolve(performance.now() - typedAt));
      }).observe(w.document.getElementById('matches'), { childList: true });
    });
  });
  await page.keyboard.press(key);
  keystrokes.push((await page.evaluate(() => (globalThis as any).keystroke as Promise<number>)) / 1000);
}
const dashboards = await dashboardFigures(browser, option('factory-dir'));
await browser.close();
removeUnlessKept(dir);

const figures = {
  models,
  nodes: generated.nodes,
  generate_s: median(generations.map((g) => g.seconds)),
  clusters_s: median(clusters),
  render_s: median(render),
  click_s: median(clicks),
  lineage_s: median(lineages),
  search_s: median(keystrokes),
  dashboard_s: Math.max(...Object.values(dashboards.opened)),
  dashboard_filter_s: Math.max(...Object.values(dashboards.filtered)),
};
console.log(`docs for ${models.toLocaleString('en-US')} models (${generated.nodes.toLocaleString('en-US')} nodes), medians:`);
console.log(
  `  generate ${figures.generate_s.toFixed(2)}s (${generations.map((g) => g.seconds.toFixed(2)).join(', ')} s)   clusters drawn ${figures.clusters_s.toFixed(2)}s   first interactive render (node page ready) ${figures.render_s.toFixed(2)}s`,
);
console.log(
  `  click → node page ${(figures.click_s * 1000).toFixed(0)} ms   click → focused lineage drawn ${(figures.lineage_s * 1000).toFixed(0)} ms   search keystroke ${(figures.search_s * 1000).toFixed(0)} ms`,
);
for (const name of Object.keys(dashboards.opened))
  console.log(
    `  dashboard ${name}: interactive ${(dashboards.opened[name]! * 1000).toFixed(0)} ms after navigation, a filter redraws it in ${(dashboards.filtered[name]! * 1000).toFixed(0)} ms`,
  );
reportBench('docs', figures, {
  generate_s: '<= 1.5',
  render_s: '<= 1.5',
  clusters_s: '<= 1.5',
  click_s: '<= 0.1',
  lineage_s: '<= 0.3',
  search_s: '<= 0.05',
  dashboard_s: '<= 1',
});

/** One generation of the site in a process of its own (docs_generate.ts). */
function generate(project: string): { seconds: number; dir: string; nodes: number } {
  const child = spawnSync(process.execPath, [join(import.meta.dirname, 'docs_generate.js'), project], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`plat docs generate failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { seconds: number; dir: string; nodes: number };
}
