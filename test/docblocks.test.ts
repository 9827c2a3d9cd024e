import { describe, expect, it } from 'vitest';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { writeProject } from './helpers.js';

const compile = (files: Record<string, string>) => {
  const dir = writeProject({ 'plat_project.yml': 'name: d\n', 'models/orders.sql': 'select 1 as id', ...files });
  return compileProject(readProjectFiles(dir), { env: {} });
};

describe('doc blocks', () => {
  it('puts {{doc "name"}} blocks from Markdown files into descriptions of models, columns, sources, seeds and exposures', () => {
    const { manifest, diagnostics } = compile({
      'docs/orders.md': `# Notes
{% docs orders %}
One row per **order**.

- placed
- cancelled
{% enddocs %}

{% docs order_id %}The order's number.{% enddocs %}
`,
      'models/schema.yml': `models:
  - name: orders
    description: '{{doc "orders"}}'
    columns:
      - { name: id, description: "Key: {{ doc 'order_id' }}" }
exposures:
  - name: board
    type: dashboard
    description: '{{doc "orders"}}'
    depends_on: [{ ref: orders }]
`,
      'sources.yml': 'sources:\n  - name: shop\n    description: \'{{doc "order_id"}}\'\n    tables: [{ name: raw }]\n',
      'seeds/codes.csv': 'code\nA\n',
      'seeds/seeds.yml': 'seeds:\n  - name: codes\n    description: \'{{doc "order_id"}}\'\n',
    });
    expect(diagnostics).toEqual([]);
    const orders = manifest.nodes['model.d.orders']!;
    expect(orders.description).toBe('One row per **order**.\n\n- placed\n- cancelled');
    expect(orders.kind === 'model' && orders.columns[0]!.description).toBe("Key: The order's number.");
    expect(manifest.nodes['exposure.d.board']!.description).toBe(orders.description);
    expect(manifest.nodes['source.d.shop.raw']!.description).toBe("The order's number.");
    expect(manifest.nodes['seed.d.codes']!.description).toBe("The order's number.");
  });

  it('reports an unknown doc name at its description with the closest name, and an unclosed block at its line', () => {
    const { diagnostics } = compile({
      'docs/orders.md': '{% docs orders %}Orders.{% enddocs %}\n\n{% docs broken %}\nno end\n',
      'models/schema.yml': 'models:\n  - name: orders\n    description: \'See {{doc "order"}}\'\n',
    });
    expect(diagnostics.map((d) => [d.file, d.line, d.column, d.message, d.hint])).toEqual([
      [
        'docs/orders.md',
        3,
        1,
        'template error: a docs block is not closed, or its name is not a valid name',
        'write {% docs name %} … {% enddocs %} (names: letters, digits and _)',
      ],
      ['models/schema.yml', 3, 18, 'unknown docs block "order"', 'did you mean "orders"?'],
    ]);
  });

  it('reports a docs block declared twice at the second, naming the first', () => {
    const { diagnostics } = compile({
      'docs/a.md': '{% docs orders %}A{% enddocs %}\n',
      'models/b.md': '\n{% docs orders %}B{% enddocs %}\n',
    });
    expect(diagnostics.map((d) => [d.file, d.line, d.message])).toEqual([
      ['models/b.md', 2, 'docs block "orders" is declared twice (also in docs/a.md:1)'],
    ]);
  });
});
