import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { build, generateDocs } from '../framework/index.js';
import { drawn, hoverLayerBlank, labelReport, launchChromium, screenshot, settled, watchedPage } from './docs-page.js';
import { compileDir, copyProject, repoRoot } from './helpers.js';

const executable = inject('chromium');

/**
 * Issue 17's last section, as a new user met it at 1400×900 on the example project: what
 * docs-screens.test.ts did not catch. Each test saves a screenshot under test-results/screenshots/.
 */
describe.skipIf(!executable)('the documentation site graph and panel at 1400×900 (real Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let site: string;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = copyProject(join(repoRoot, 'project'));
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    site = pathToFileURL(join((await generateDocs(manifest)).dir, 'index.html')).href;
    browser = await launchChromium(executable!);
    page = await watchedPage(browser, errors);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(hash: string): Promise<void> {
    await page.goto(hash === '#' ? site : `${site}${hash}`);
    await drawn(page, hash);
  }

  /** Where a graph node is drawn, in page pixels. */
  async function pointAt(id: string): Promise<{ x: number; y: number }> {
    const area = (await page.locator('#sigma').boundingBox())!;
    const at = await page.evaluate(
      (node) => (window as any).platDocs.renderer.graphToViewport((window as any).platDocs.graph.getNodeAttributes(node)),
      id,
    );
    return { x: area.x + at.x, y: area.y + at.y };
  }

  it('labels most models of the overview with tests as nodes: long test names are cut, not given whole columns', async () => {
    await open('#');
    await page.check('#show-tests');
    await expect.poll(() => page.evaluate(() => (window as any).platDocs.view.scene.nodes.some((n: any) => n.kind === 'test'))).toBe(true);
    await settled(page);
    const report = await labelReport(page);
    const labels = await page.evaluate(() => {
      const { view } = (window as any).platDocs;
      const models = view.scene.nodes.filter((n: any) => n.kind === 'model').map((n: any) => n.id);
      const cut = view.scene.nodes
        .filter((n: any) => view.graph.getNodeAttribute(n.id, 'label') !== n.label)
        .map((n: any) => ({
          label: view.graph.getNodeAttribute(n.id, 'label'),
          full: view.graph.getNodeAttribute(n.id, 'fullLabel'),
          scene: n.label,
        }));
      return { models: models.length, labelled: models.filter((id: string) => view.drawnLabels.has(id)).length, cut };
    });
    await screenshot(page, 'graph-1400-overview-tests-as-nodes');
    await page.uncheck('#show-tests');
    expect(labels.labelled / labels.models).toBeGreaterThanOrEqual(0.6);
    expect(report).toEqual({ visible: report.visible, unlabelled: [], underPanel: [], overlapping: [] });
    // A cut label keeps its start and ends in an ellipsis; the hover box draws it whole.
    expect(labels.cut.length).toBeGreaterThan(0);
    for (const { label, full, scene } of labels.cut) {
      expect(full).toBe(scene);
      expect(label.endsWith('…') && scene.startsWith(label.slice(0, -1))).toBe(true);
    }
  });

  it('boxes a hovered label with its badge, and clears the box when the pointer leaves the graph straight from a node, onto the panel or the header', async () => {
    await open('#node=model.ecommerce.revenue_per_hour');
    const over = await pointAt('model.ecommerce.revenue_per_hour');
    const panel = (await page.locator('#panel').boundingBox())!;
    await page.mouse.move(over.x, over.y);
    await expect.poll(() => hoverLayerBlank(page)).toBe(false);
    // The box holds the label and its test badge, not the label alone with the badge stuck outside it.
    const reach = await page.evaluate((id) => {
      const { view } = (window as any).platDocs;
      const canvas = document.querySelector<HTMLCanvasElement>('#sigma canvas.sigma-hovers')!;
      const ratio = canvas.width / canvas.offsetWidth;
      const label = view.drawnLabels.get(id);
      const row = Math.round((label.y + label.height / 2) * ratio);
      const pixels = canvas.getContext('2d')!.getImageData(0, row, canvas.width, 1).data;
      let right = 0;
      for (let x = 0; x < canvas.width; x++) if (pixels[4 * x + 3] === 255) right = x / ratio;
      return { labelRight: label.x + label.width, boxRight: right };
    }, 'model.ecommerce.revenue_per_hour');
    expect(reach.boxRight).toBeGreaterThanOrEqual(reach.labelRight);
    await screenshot(page, 'graph-1400-hover');
    await page.mouse.move(panel.x + panel.width / 2, over.y);
    await expect.poll(() => hoverLayerBlank(page)).toBe(true);
    await screenshot(page, 'graph-1400-hover-left-to-panel');
    await page.mouse.move(over.x, over.y);
    await expect.poll(() => hoverLayerBlank(page)).toBe(false);
    await page.mouse.move(over.x, 10);
    await expect.poll(() => hoverLayerBlank(page)).toBe(true);
    expect(errors).toEqual([]);
  });

  /**
   * Places where the text of the elements matching `selector` wraps inside a word: a line that
   * starts after a character other than a space, `_`, `.`, `,` or `-`.
   */
  const brokenWords = (selector: string) =>
    page.locator(selector).evaluateAll((elements) => {
      const broken: string[] = [];
      for (const element of elements) {
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let text = walker.nextNode() as Text | null; text; text = walker.nextNode() as Text | null) {
          // Within a text node: the site's break opportunities (<wbr>, <br>, blocks) come between them.
          let previous: { top: number; char: string } | null = null;
          for (let i = 0; i < text.length; i++) {
            range.setStart(text, i);
            range.setEnd(text, i + 1);
            const rect = range.getBoundingClientRect();
            const char = text.data[i]!;
            // A space at the end of a line has no width: it still counts as where the line broke.
            if (rect.width === 0) {
              if (previous) previous = { top: previous.top, char };
              continue;
            }
            if (previous && rect.top > previous.top + 2 && !/[\s_.,-]/.test(previous.char) && !/\s/.test(char))
              broken.push(`${element.textContent!.trim()} (before "${text.data.slice(i)}")`);
            previous = { top: rect.top, char };
          }
        }
      }
      return broken;
    });

  it("draws an expander's +N in white on a fill dark enough to read it (WCAG contrast of 4.5:1 or more)", async () => {
    await open('#node=model.ecommerce.revenue_per_hour');
    const expanders = await page.evaluate(() => {
      const { view } = (window as any).platDocs;
      return view.scene.nodes
        .filter((n: any) => n.expands)
        .map((n: any) => ({
          label: n.label,
          color: view.graph.getNodeAttribute(n.id, 'color') as string,
          drawn: view.drawnLabels.has(n.id),
        }));
    });
    await screenshot(page, 'graph-1400-expander');
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5]
        .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
        .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    expect(expanders.length).toBeGreaterThan(0);
    for (const expander of expanders) {
      expect(expander).toMatchObject({ label: expect.stringMatching(/^\+\d+$/), drawn: true });
      expect(1.05 / (luminance(expander.color) + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('lays out the columns table so that no type, test or heading breaks inside a word, and every cell stays in the panel', async () => {
    for (const id of ['model.ecommerce.revenue_per_hour', 'source.ecommerce.ecommerce.events', 'model.ecommerce.stg_events']) {
      await open(`#node=${id}`);
      await page.locator('#columns').scrollIntoViewIfNeeded();
      await screenshot(page, `graph-1400-columns-${id.split('.').at(-1)}`);
      expect(await brokenWords('#columns th, #columns td:nth-child(2), #columns td:nth-child(4), #columns td:first-child')).toEqual([]);
      const fit = await page.evaluate(() => {
        const panel = document.getElementById('panel')!;
        const inner = panel.getBoundingClientRect().right - parseFloat(getComputedStyle(panel).paddingRight);
        const cells = [...document.querySelectorAll('#columns td, #columns th')];
        return {
          right: Math.max(...cells.map((c) => c.getBoundingClientRect().right)),
          inner,
          scrolls: panel.scrollWidth > panel.clientWidth,
        };
      });
      expect(fit.right).toBeLessThanOrEqual(fit.inner + 0.5);
      expect(fit.scrolls).toBe(false);
    }
    // A generic test goes by what it checks; its full name is the link's title.
    await open('#node=model.ecommerce.revenue_per_hour');
    const test = page.locator('#columns a[href="#node=test.ecommerce.unique_revenue_per_hour_hour_window"]');
    expect(await test.innerText()).toBe('unique');
    expect(await test.getAttribute('title')).toBe('unique_revenue_per_hour_hour_window');
  });

  it('keeps status badges and table headings of the panel whole, never broken inside a word', async () => {
    await open('#');
    /** Lines each element's text is laid out on. */
    const lines = (selector: string) =>
      page.locator(selector).evaluateAll((elements) =>
        elements.map((element) => {
          const range = document.createRange();
          range.selectNodeContents(element);
          return { text: element.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
        }),
      );
    const badges = await lines('#panel .status');
    const headings = await lines('#panel th');
    await screenshot(page, 'graph-1400-overview-panel');
    expect(badges.length).toBeGreaterThan(0);
    expect(badges.filter((b) => b.lines !== 1)).toEqual([]);
    expect(headings.filter((h) => !h.text!.includes(' ') && h.lines !== 1)).toEqual([]);
  });
});
