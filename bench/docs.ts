/**
 * npm run bench:docs [-- --models N]
 * Generates the site for the compile bench's synthetic project (10,000 models by default, each
 * with a test) and opens it in Chromium. Prints generate time and the time from navigation to
 * the first interactive render (graph drawn, then a node page opened).
 * Targets: generate ≤ 5 s, render ≤ 3 s.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { compileProjectDir } from '../framework/api.js';
import { generateDocs } from '../framework/docs/generate.js';
import { argument, syntheticProject } from './synthetic.js';
import { reportBench } from './report.js';

const models = argument('models', 10_000);
const dir = syntheticProject(models);
const { manifest } = compileProjectDir({ projectDir: dir }, false);
const generated = await generateDocs(manifest);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
const started = performance.now();
await page.goto(pathToFileURL(join(generated.dir, 'index.html')).href);
await page.waitForFunction(() => (globalThis as any).platDocs !== undefined, undefined, { timeout: 120_000 });
const drawn = (performance.now() - started) / 1000;
const target = Object.keys(manifest.nodes).find((id) => id.startsWith('model.'))!;
// At this density nodes overlap on screen, so the page is opened the way a click does: by hash.
await page.evaluate((id) => ((globalThis as any).location.hash = `node=${encodeURIComponent(id)}`), target);
await page.waitForFunction((name) => (globalThis as any).document.querySelector('#panel h1')?.textContent === name, manifest.nodes[target]!.name, { timeout: 60_000 });
const render = (performance.now() - started) / 1000;
await browser.close();
console.log(`docs for ${models.toLocaleString('en-US')} models (${generated.nodes.toLocaleString('en-US')} nodes):`);
console.log(`  generate ${generated.seconds.toFixed(2)}s   graph drawn ${drawn.toFixed(2)}s   first interactive render (node page open) ${render.toFixed(2)}s`);
console.log(`  targets: generate ≤ 5 s → ${generated.seconds <= 5 ? 'met' : 'MISSED'}; render ≤ 3 s → ${render <= 3 ? 'met' : 'MISSED'}`);
reportBench('docs', { models, nodes: generated.nodes, generate_s: generated.seconds, drawn_s: drawn, render_s: render }, { generate_s: '<= 5', render_s: '<= 3' });
