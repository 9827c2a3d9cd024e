/**
 * The dashboard phase of bench:docs: the factory example built in a temporary folder (or the
 * built copy given with --factory-dir), its site generated, and each of its four dashboards opened
 * 3 times at 1400×900. Times are the page's own: navigation to every chart drawn (the dashboard is
 * interactive: filters answer from then on), and a filter's change to every chart drawn again.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { build, compileProjectDir } from '../framework/api.js';
import { generateDocs } from '../framework/docs/generate.js';
import { removeUnlessKept } from './synthetic.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function dashboardFigures(
  browser: Browser,
  factoryDir: string | null,
): Promise<{ opened: Record<string, number>; filtered: Record<string, number> }> {
  let dir = factoryDir;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'plat-bench-dashboards-'));
    cpSync(join(import.meta.dirname, '..', '..', 'examples', 'factory'), dir, { recursive: true, filter: (p) => !p.includes('/target') });
    console.log(
      `building the factory example in ${dir} for its dashboards (minutes; --factory-dir <built copy> skips this, --keep keeps this one)`,
    );
    await build(compileProjectDir({ projectDir: dir }).manifest, { env: {} });
  }
  const { manifest } = compileProjectDir({ projectDir: dir }, false);
  const url = pathToFileURL(join((await generateDocs(manifest)).dir, 'index.html')).href;
  const opened: Record<string, number> = {};
  const filtered: Record<string, number> = {};
  for (const name of Object.keys(manifest.dashboards)) {
    const opens: number[] = [];
    const redraws: number[] = [];
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${url}#dashboard=${name}`);
      await page.waitForFunction((hash) => (globalThis as any).document.body.dataset.drawn === hash, `#dashboard=${name}`, {
        timeout: 60_000,
      });
      opens.push((await page.evaluate(() => performance.getEntriesByName('plat:dashboard-drawn')[0]!.startTime)) / 1000);
      // The second machine: the change event's timestamp to the redraw's mark.
      const redraw = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const w = globalThis as any;
            const select = w.document.querySelector('select[data-filter="equipment"]');
            performance.clearMarks('plat:dashboard-drawn');
            select.addEventListener('change', (event: { timeStamp: number }) =>
              resolve(performance.getEntriesByName('plat:dashboard-drawn')[0]!.startTime - event.timeStamp),
            );
            select.value = select.options[2].value;
            select.dispatchEvent(new w.Event('change'));
          }),
      );
      redraws.push(redraw / 1000);
      await page.close();
    }
    opened[name] = median(opens);
    filtered[name] = median(redraws);
  }
  // A copy built here is the bench's own; one named by --factory-dir is the user's.
  if (!factoryDir) removeUnlessKept(dir);
  return { opened, filtered };
}
