import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { build, listNodes } from '../framework/api.js';
import { compileProject, generateDocs, readProjectFiles } from '../framework/index.js';
import { compileDir, plat, writeProject } from './helpers.js';
import { drawn, launchChromium } from './docs-page.js';

const executable = inject('chromium');

const project = (exposures: string) =>
  writeProject({
    'plat_project.yml': 'name: e\nthreads: 2\n',
    'sources.yml':
      'sources:\n  - name: shop\n    tables:\n      - name: orders\n        generator: { rows: 10, seed: 1, fields: { id: { sequence: {} }, amount: { int: { min: 1, max: 9 } } } }\n',
    'models/stg_orders.sql': 'select id, amount from {{source "shop" "orders"}}',
    'models/revenue.sql': '{{config materialized="table"}}select sum(amount) as revenue from {{ref "stg_orders"}}',
    'models/unrelated.sql': 'select 1 as x',
    'models/exposures.yml': exposures,
    'docs/board.md': '{% docs board %}The **weekly** revenue board.\n\n- one tile\n- per week{% enddocs %}\n',
    'agents/tools.yml': `tools:
  - name: revenue_tool
    description: Total revenue.
    sql: select revenue from {{ref "revenue"}}
`,
  });

const board = `exposures:
  - name: revenue_board
    type: dashboard
    description: '{{doc "board"}}'
    url: https://bi.example.com/revenue
    owner: { name: Finance, email: finance@example.com }
    depends_on: [{ ref: revenue }, { source: shop.orders }]
`;

describe('exposures', () => {
  it('are nodes downstream of what they read, selectable with +exposure:name (agent tools too)', () => {
    const manifest = compileDir(project(board));
    expect(manifest.parents['exposure.e.revenue_board']).toEqual(['model.e.revenue', 'source.e.shop.orders']);
    const names = (select: string) =>
      listNodes(manifest, { select: [select] })
        .nodes.map((n) => n.name)
        .sort();
    expect(names('+exposure:revenue_board')).toEqual(['revenue', 'revenue_board', 'shop.orders', 'stg_orders']);
    expect(names('+exposure:revenue_tool')).toEqual(['revenue', 'revenue_tool', 'shop.orders', 'stg_orders']);
  });

  it('check in build that what they read exists', async () => {
    const dir = project(board);
    const alone = await build(compileDir(dir), { env: {}, select: ['exposure:revenue_board'] });
    expect(alone.results[0]).toMatchObject({
      status: 'error',
      error: { message: 'reads main.revenue, shop.orders, which do not exist', file: 'models/exposures.yml' },
    });
    const withParents = await build(compileDir(dir), { env: {}, select: ['+exposure:revenue_board'] });
    expect(withParents.results.map((r) => [r.name, r.status])).toEqual([
      ['shop.orders', 'success'],
      ['stg_orders', 'success'],
      ['revenue', 'success'],
      ['revenue_board', 'success'],
    ]);
    expect(plat(['ls', '--select', 'exposure:*'], dir).stdout).toMatch(/exposure\s+revenue_board\s+dashboard exposure/);
  });

  it('report what depends_on names that does not exist, where it is written', () => {
    const dir = project(`exposures:
  - name: board
    type: dashboard
    depends_on: [{ ref: revenu }, { source: shop.order }]
  - name: board
    type: api
    depends_on: [{ ref: revenue }]
`);
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map((d) => [d.file, d.line, d.column, d.message, d.hint])).toEqual([
      ['models/exposures.yml', 5, 11, 'exposure "board" is declared twice (also in models/exposures.yml:2:11)', null],
      ['models/exposures.yml', 4, 25, 'unknown ref "revenu"', 'did you mean "revenue"?'],
      ['models/exposures.yml', 4, 45, 'unknown source "shop.order"', 'did you mean "shop.orders"?'],
    ]);
  });

  it.skipIf(!executable)('are drawn in the lineage graph, with a page of their own in the docs site (real Chromium)', async () => {
    const dir = project(board);
    const manifest = compileDir(dir);
    await build(manifest, { env: {} });
    const site = pathToFileURL((await generateDocs(manifest)).dir).href;
    const browser = await launchChromium(executable!);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
      const id = 'exposure.e.revenue_board';
      await page.goto(`${site}/index.html#node=${encodeURIComponent(id)}`);
      await drawn(page, `#node=${encodeURIComponent(id)}`);
      const edges = await page.evaluate((exposure) => (window as any).platDocs.graph.inNeighbors(exposure) as string[], id);
      expect(edges.sort()).toEqual(['model.e.revenue', 'source.e.shop.orders']);
      const panel = page.locator('#panel');
      expect(await panel.locator('strong').innerText()).toBe('weekly');
      expect(await panel.locator('ul li').allInnerTexts()).toEqual(['one tile', 'per week']);
      expect(await panel.innerText()).toContain('dashboard · https://bi.example.com/revenue · owner Finance finance@example.com');
    } finally {
      await browser.close();
    }
  });
});
