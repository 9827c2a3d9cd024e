import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './helpers.js';

/** The site tests' browser: Debian's chromium, no GPU (WebGL in software, as on CI). */
export function launchChromium(executable: string): Promise<Browser> {
  return chromium.launch({
    executablePath: executable,
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
}

/** Waits until the site says its graph is drawn for the page at `hash` ('#' for the overview). */
export function drawn(page: Page, hash: string): Promise<unknown> {
  return page.waitForFunction((expected) => document.body.dataset.drawn === expected && (window as any).platDocs.view.settled, hash);
}

/** Waits until the graph has drawn what it was last asked to (an opened cluster, an expander's nodes). */
export function settled(page: Page): Promise<unknown> {
  return page.waitForFunction(() => (window as any).platDocs.view.settled);
}

/** Saves a screenshot under test-results/screenshots/ (gitignored), for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(repoRoot, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

export interface LabelReport {
  /** Nodes whose centre is inside the graph's drawing area. */
  visible: number;
  /** Visible nodes whose label the last frame did not draw. */
  unlabelled: string[];
  /** Drawn labels whose box reaches into the side panel (or out of the drawing area). */
  underPanel: string[];
  /** Pairs of drawn labels whose boxes overlap. */
  overlapping: [string, string][];
}

/**
 * What the last frame drew, from the labels the site's label drawer recorded as it drew them,
 * against sigma's own positions of every node and the panel's box in the page.
 */
export function labelReport(page: Page): Promise<LabelReport> {
  return page.evaluate(() => {
    const { view } = (window as any).platDocs;
    const area = document.getElementById('sigma')!.getBoundingClientRect();
    const panel = document.getElementById('panel')!.getBoundingClientRect();
    const visible: string[] = view.graph.nodes().filter((id: string) => {
      const at = view.renderer.graphToViewport(view.graph.getNodeAttributes(id));
      return at.x >= 0 && at.x <= area.width && at.y >= 0 && at.y <= area.height;
    });
    const boxes = ([...view.drawnLabels] as [string, { x: number; y: number; width: number; height: number }][]).map(([id, b]) => ({
      id,
      left: area.left + b.x,
      top: area.top + b.y,
      right: area.left + b.x + b.width,
      bottom: area.top + b.y + b.height,
    }));
    const meets = (a: { left: number; top: number; right: number; bottom: number }, b: typeof a) =>
      a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const overlapping: [string, string][] = [];
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) if (meets(a, b)) overlapping.push([a.id, b.id]);
    return {
      visible: visible.length,
      unlabelled: visible.filter((id) => !view.drawnLabels.has(id)),
      underPanel: boxes.filter((b) => meets(b, panel) || b.right > area.right).map((b) => b.id),
      overlapping,
    };
  });
}

/** Sigma's hover layer is blank: no box (empty or not) left drawn there. */
export function hoverLayerBlank(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#sigma canvas.sigma-hovers')!;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return false;
    return true;
  });
}

/** A 1400×900 page (the size the issues judge the site at) whose console and page errors are pushed to `errors`. */
export async function watchedPage(browser: Browser, errors: string[], viewport = { width: 1400, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  return page;
}
