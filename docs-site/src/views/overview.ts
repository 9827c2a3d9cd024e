import { ClusterTree, type Grouping } from '../clusters.js';
import type { Scene } from '../graph/scene.js';
import type { GraphView } from '../graph/view.js';
import { escape } from '../render.js';
import type { Site } from '../site.js';

/** Zoomed in this many times past the fitted view, the cluster zoomed into is opened. */
const OPEN_AT_ZOOM = 2;

/**
 * The whole graph: clusters by folder, schema or tag, a first view of a few dozen items, clusters
 * expanded by a click or by zooming into them and collapsed from the toolbar. A selector filter
 * groups and lays out only what it selects.
 */
export class Overview {
  grouping: Grouping = 'folder';
  /** What the filter box selected, or null for every node. */
  selection: ReadonlySet<string> | null = null;
  private tree: ClusterTree;
  private expanded: Set<string>;
  /** What the first view opened: the toolbar offers to collapse only what the user opened. */
  private opened: Set<string>;
  /** The clusters open in the last drawing of this tree, if it is on screen. */
  private drawnWith: Set<string> | null = null;
  private active = false;
  private zoomCheck: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly site: Site,
    private readonly view: GraphView,
    private readonly toolbar: HTMLElement,
    private readonly tests: () => boolean,
  ) {
    this.tree = this.build();
    this.expanded = this.tree.firstView();
    this.opened = new Set(this.expanded);
    view.onUserCamera(() => {
      if (!this.active) return;
      if (this.zoomCheck) clearTimeout(this.zoomCheck);
      this.zoomCheck = setTimeout(() => this.openZoomedInto(), 250);
    });
  }

  /** Regroups (after the filter or the grouping changed) and starts from a first view again. */
  regroup(): void {
    this.tree = this.build();
    this.expanded = this.tree.firstView();
    this.opened = new Set(this.expanded);
    this.drawnWith = null;
  }

  show(): Promise<boolean> {
    return this.draw(this.tree.scene(this.expanded, this.tests()));
  }

  private async draw(scene: Scene, frame?: string[]): Promise<boolean> {
    this.renderToolbar();
    const hints = this.active && this.drawnWith ? this.hints(scene) : undefined;
    const expanded = new Set(this.expanded);
    const drawn = await this.view.show(scene, { ...(hints ? { hints } : {}), ...(frame ? { frame } : {}) });
    if (drawn) {
      this.drawnWith = expanded;
      performance.mark('plat:overview-drawn');
    }
    return drawn;
  }

  /** Leaving the overview for a node page: zooming there opens nothing here. */
  leave(): void {
    this.active = false;
    this.drawnWith = null;
  }

  enter(): void {
    this.active = true;
  }

  /** Opens clusters, the camera on what they held. */
  async expand(keys: string[]): Promise<void> {
    const before = new Set(this.view.scene?.nodes.map((n) => n.id) ?? []);
    for (const key of keys) this.expanded.add(key);
    const scene = this.tree.scene(this.expanded, this.tests());
    await this.draw(
      scene,
      scene.nodes.map((n) => n.id).filter((id) => !before.has(id)),
    );
  }

  collapse(key: string): void {
    const prefix = `${key}/`;
    for (const open of [...this.expanded])
      if (open === key || open.startsWith(prefix) || open.startsWith(`${key}#`)) this.expanded.delete(open);
    void this.show();
  }

  private build(): ClusterTree {
    return new ClusterTree(this.site, this.grouping, this.selection ?? new Set(this.site.nodes.map((n) => n.id)));
  }

  /**
   * Where each item was in the last drawing, or the item it came out of or went into, so the
   * layout keeps the order it had.
   */
  private hints(next: Scene): Map<string, number> {
    const hints = new Map<string, number>();
    const { layout } = this.view;
    if (!layout || !this.drawnWith) return hints;
    for (const node of next.nodes) {
      const inside = this.tree.representative(node.id);
      const before = inside === undefined ? node.id : this.tree.itemOf(inside, this.drawnWith);
      const y = layout.positions[node.id]?.y ?? layout.positions[before]?.y;
      if (y !== undefined) hints.set(node.id, y);
    }
    return hints;
  }

  /**
   * Zooming into a cluster opens it: once the view is zoomed in OPEN_AT_ZOOM times, the cluster
   * on screen nearest where the wheel turned (else the centre) is expanded.
   */
  private openZoomedInto(): void {
    if (!this.active || !this.view.scene || this.view.scale() < this.view.fittedScale * OPEN_AT_ZOOM) return;
    const { width, height } = this.view.renderer.getDimensions();
    const target = this.view.wheelAt ?? { x: width / 2, y: height / 2 };
    let nearest: { id: string; distance: number } | null = null;
    for (const node of this.view.scene.nodes) {
      if (node.kind !== 'cluster') continue;
      const at = this.view.renderer.graphToViewport(this.view.graph.getNodeAttributes(node.id) as { x: number; y: number });
      if (at.x < 0 || at.x > width || at.y < 0 || at.y > height) continue;
      const distance = Math.hypot(at.x - target.x, at.y - target.y);
      if (!nearest || distance < nearest.distance) nearest = { id: node.id, distance };
    }
    if (nearest) void this.expand([nearest.id]);
  }

  private renderToolbar(): void {
    const leaves = [...this.expanded].filter(
      (key) =>
        !this.opened.has(key) &&
        ![...this.expanded].some((other) => other !== key && (other.startsWith(`${key}/`) || other.startsWith(`${key}#`))),
    );
    const chips = leaves
      .map((key) => this.tree.find(key))
      .filter((c) => c !== undefined)
      .slice(0, 8)
      .map((c) => `<button class="chip" data-collapse="${escape(c.key)}" title="Collapse ${escape(c.title)}">${escape(c.title)} ×</button>`)
      .join('');
    this.toolbar.innerHTML = `<label>Group by <select id="group-by">${(['folder', 'schema', 'tag'] as const).map((g) => `<option${g === this.grouping ? ' selected' : ''}>${g}</option>`).join('')}</select></label>${chips ? `<span class="muted">opened:</span>${chips}<button class="chip" data-collapse-all>collapse all</button>` : ''}`;
    this.toolbar.querySelector<HTMLSelectElement>('#group-by')!.addEventListener('change', (event) => {
      this.grouping = (event.target as HTMLSelectElement).value as Grouping;
      this.regroup();
      void this.show();
    });
    this.toolbar.querySelector('[data-collapse-all]')?.addEventListener('click', () => {
      this.expanded = new Set(this.opened);
      void this.show();
    });
    this.toolbar
      .querySelectorAll<HTMLButtonElement>('[data-collapse]')
      .forEach((button) => button.addEventListener('click', () => this.collapse(button.dataset.collapse!)));
  }
}
