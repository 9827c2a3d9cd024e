import type { ColumnRef } from '../../../framework/docs/lineage.js';
import { columnLineage } from '../column-lineage.js';
import type { Details } from '../details.js';
import type { SceneEdge, SceneNode } from '../graph/scene.js';
import type { GraphView } from '../graph/view.js';
import { expansion, lineageScene, type Depth } from '../lineage.js';
import { escape } from '../render.js';
import type { Site } from '../site.js';

const DEPTHS: [Depth, string][] = [
  [1, '1'],
  [2, '2'],
  [Infinity, 'all'],
];

/**
 * A node page's graph: the node's focused lineage, or a column's. Expanders add a step of lineage
 * where the depth cut it off, placed beside what is drawn rather than laid out again.
 */
export class Lineage {
  depth: Depth = 1;
  private focus: string | null = null;
  /** Nodes the expanders added to this node's lineage. */
  private added = new Set<string>();

  constructor(
    private readonly site: Site,
    private readonly details: Details,
    private readonly view: GraphView,
    private readonly toolbar: HTMLElement,
    private readonly tests: () => boolean,
  ) {}

  async show(focus: string): Promise<boolean> {
    if (focus !== this.focus) this.added = new Set();
    this.focus = focus;
    this.renderToolbar(focus);
    const drawn = await this.view.show(lineageScene(this.site, focus, { depth: this.depth, tests: this.tests() }, this.added));
    if (drawn) performance.mark('plat:lineage-drawn');
    return drawn;
  }

  async expand(expander: SceneNode): Promise<void> {
    const scene = this.view.scene;
    if (!scene || !expander.expands) return;
    const options = { depth: this.depth, tests: this.tests() };
    const { nodes, edges, expanders } = expansion(this.site, scene, expander, options);
    for (const node of nodes) this.added.add(node.id);
    const { of, direction } = expander.expands;
    const expanderEdges: SceneEdge[] = expanders.map((e) =>
      direction < 0 ? { source: e.id, target: e.expands!.of, weight: 1 } : { source: e.expands!.of, target: e.id, weight: 1 },
    );
    // Other expanders may stand for nodes now shown: they count what is left, or go.
    const shown = new Set([...scene.nodes.map((n) => n.id), ...nodes.map((n) => n.id)]);
    const remove = [expander.id];
    const update: SceneNode[] = [];
    for (const other of scene.nodes) {
      if (!other.expands || other.id === expander.id) continue;
      const left = other.expands.nodes.filter((id) => !shown.has(id));
      if (left.length === 0) remove.push(other.id);
      else if (left.length < other.expands.nodes.length)
        update.push({ ...other, label: `+${left.length}`, expands: { ...other.expands, nodes: left } });
    }
    await this.view.extend(
      [{ anchor: of, direction, nodes }, ...expanders.map((e) => ({ anchor: e.expands!.of, direction, nodes: [e] }))],
      [...edges, ...expanderEdges],
      remove,
      update,
    );
  }

  /** A column's lineage; resolves with the upstream columns, once drawn. */
  async showColumn(start: ColumnRef): Promise<ColumnRef[] | null> {
    this.focus = null;
    const { scene, upstream } = await columnLineage(this.site, this.details, start);
    const name = this.site.byId.get(start.node)?.name ?? start.node;
    this.toolbar.innerHTML = `<span>Column lineage of <b>${escape(`${name}.${start.column}`)}</b></span><a href="#node=${encodeURIComponent(start.node)}">lineage of ${escape(name)}</a>`;
    if (!(await this.view.show(scene))) return null;
    performance.mark('plat:lineage-drawn');
    return upstream;
  }

  private renderToolbar(focus: string): void {
    const name = this.site.byId.get(focus)!.name;
    const selector = this.depth === Infinity ? `+${name}+` : `${this.depth}+${name}+${this.depth}`;
    this.toolbar.innerHTML = `<span>Lineage depth</span>${DEPTHS.map(([depth, label]) => `<button class="chip${depth === this.depth ? ' on' : ''}" data-depth="${label}">${label}</button>`).join('')}<code title="the same nodes as this selector">${escape(selector)}</code>`;
    this.toolbar.querySelectorAll<HTMLButtonElement>('[data-depth]').forEach((button) =>
      button.addEventListener('click', () => {
        this.depth = DEPTHS.find(([, label]) => label === button.dataset.depth)![0];
        this.added = new Set();
        void this.show(focus);
      }),
    );
  }
}
