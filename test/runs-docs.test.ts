import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { build, generateDocs } from '../framework/index.js';
import { runSchedule } from '../framework/schedule/job.js';
import { launchChromium } from './docs-page.js';
import { compileDir, writeProject } from './helpers.js';

const executable = inject('chromium');

describe.skipIf(!executable)('the docs site Runs page', () => {
  let browser: Browser | undefined;
  afterAll(() => browser?.close());

  it('shows each run as a timeline with retries and errors, and each node page its recent runs', async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: d\nmodels: { defaults: { materialized: table } }\nschedules:\n  - { name: load, every: 1h, command: run, select: [+orders_total], retries: 1, retry_delay: 10ms }\n',
      'sources.yml': 'sources:\n  - name: files\n    tables:\n      - name: orders\n        file: { path: data/orders.csv }\n',
      'models/orders_total.sql': 'select count(*) as n from {{ source "files" "orders" }}\n',
      'models/broken.sql': 'select missing_column from {{ ref "orders_total" }}\n',
    });
    const manifest = compileDir(dir);
    // A scheduled run whose file arrives after the first attempt, then a CLI-style build with the broken model.
    await runSchedule(manifest, manifest.schedules.load!, new Date(), {
      env: {},
      onEvent: () => undefined,
      onRunEvent: (event) => {
        if (event.type !== 'node_retrying') return;
        mkdirSync(join(dir, 'data'));
        writeFileSync(join(dir, 'data/orders.csv'), 'id\n1\n');
      },
    });
    await build(manifest, { env: {} });
    const site = pathToFileURL(join((await generateDocs(manifest)).dir, 'index.html')).href;

    browser = await launchChromium(executable!);
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(site);
    await page.click('#runs-link');
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'Runs');

    const runs = page.locator('#panel section.run');
    expect(await runs.count()).toBe(2);
    // Newest first: the build, which failed on the broken model.
    const buildRun = runs.nth(0);
    expect(await buildRun.locator('h2').innerText()).toMatch(/^run 2 error plat build · api · /);
    expect(await buildRun.locator('.run-errors').innerText()).toMatch(/^broken: models\/broken\.sql:1 .*missing_column/);
    expect(await buildRun.locator('.run-bar').count()).toBe(3);
    const scheduled = runs.nth(1);
    expect(await scheduled.locator('h2').innerText()).toMatch(/^run 1 success plat run · schedule load · /);
    // The source twice (its failed first attempt, then the second), the model once.
    expect(await scheduled.locator('.run-node').allInnerTexts()).toEqual(['files.orders', 'files.orders (attempt 2)', 'orders_total']);
    expect(await scheduled.locator('.run-bar.s-error').count()).toBe(1);
    expect(await scheduled.locator('.run-errors').innerText()).toContain('files.orders: sources.yml:5:23 no file matches data/orders.csv');

    await scheduled.locator('.run-node a', { hasText: 'orders_total' }).click();
    await page.waitForFunction(() => document.querySelector('#panel h1')?.textContent === 'orders_total');
    await page.waitForSelector('#node-runs');
    const rows = await page.locator('#node-runs tr').allInnerTexts();
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 2))).toEqual([
      ['2', 'success'],
      ['1', 'success'],
    ]);
    expect(errors).toEqual([]);
  });
});
