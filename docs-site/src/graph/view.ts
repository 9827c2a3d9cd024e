import Graph from 'graphology';
import Sigma from 'sigma';
import { LayoutWorker } from '../layout/client.js';
import { COLUMN_GAP, LABEL_OFFSET, ROW, type Layout } from '../layout/layered.js';
import { LABEL_FONT, LABEL_SIZE, labelDrawers, labelReach, shownLabel, type LabelBox } from './labels.js';
import { renderLegend } from './legend.js';
import type { Scene, SceneEdge, SceneNode } from './scene.js';

/** Pixels per layout unit the first view is drawn at, at most (small graphs are not blown up)… */
const LARGEST_SCALE = 1.25;
/** …and at least: below it labels are too small to read, so a big graph is shown in part. */
const SMALLEST_SCALE = 0.75;
const MARGIN = 24;

/**
 * The graph pane: one sigma renderer whose graph is replaced by each view's scene, laid out in
 * the layout worker. The camera starts where every label is readable and none is cut at the
 * pane's right edge (behind which the side panel starts).
 */
export class GraphView {
  readonly graph = new Graph({ type: 'directed' });
  readonly renderer: Sigma;
  /** The labels of the last frame, as drawn (see labels.ts). */
  readonly drawnLabels = new Map<string, LabelBox>();
  scene: Scene | null = null;
  layout: Layout | null = null;
  /** True once the last scene asked for (or extension) is drawn. */
  settled = false;
  /** Pixels per layout unit the camera was last fitted at: how far the user zoomed is relative to it. */
  fittedScale = 1;
  /** Where the user last turned the wheel, in pixels from the drawing's top-left corner. */
  wheelAt: { x: number; y: number } | null = null;
  private readonly worker = new LayoutWorker();
  private readonly nodes = new Map<string, SceneNode>();
  private generation = 0;
  /** What the camera was last asked to frame (the whole scene when null). */
  private framed: readonly string[] | null = null;
  /** Set while the view moves the camera itself, so listeners see only the user's moves. */
  private fitting = false;
  private onRendered: (() => void)[] = [];

  constructor(
    container: HTMLElement,
    private readonly legend: HTMLElement,
    onClick: (node: SceneNode) => void,
  ) {
    const { drawLabel, drawHover } = labelDrawers(this.drawnLabels);
    this.renderer = new Sigma(this.graph, container, {
      // Sizes in layout units, scaled with the camera like positions, so the layout's room for
      // each label holds at any zoom.
      itemSizesReference: 'positions',
      zoomToSizeRatioFunction: (ratio) => ratio,
      defaultEdgeType: 'arrow',
      labelFont: LABEL_FONT,
      labelSize: LABEL_SIZE,
      labelRenderedSizeThreshold: 0,
      defaultDrawNodeLabel: drawLabel,
      defaultDrawNodeHover: drawHover,
      stagePadding: 0,
      zIndex: true,
    });
    this.renderer.on('beforeRender', () => this.drawnLabels.clear());
    this.renderer.on('afterRender', () => {
      const waiting = this.onRendered;
      this.onRendered = [];
      for (const resolve of waiting) resolve();
    });
    this.renderer.on('clickNode', ({ node }) => {
      const clicked = this.nodes.get(node);
      if (clicked) onClick(clicked);
    });
    this.renderer.on('enterNode', () => (container.style.cursor = 'pointer'));
    this.renderer.on('leaveNode', () => (container.style.cursor = ''));
    // Sigma 3.0 hears pointer moves only over its own drawing, and on leaving it reports the node
    // left but keeps drawing it hovered (sigma.js issue 1327): a move far from every node clears it.
    this.renderer.on('leaveStage', ({ event }) => this.renderer.getMouseCaptor().emit('mousemove', { ...event, x: -1e6, y: -1e6 }));
    container.addEventListener('wheel', (event) => {
      const box = container.getBoundingClientRect();
      this.wheelAt = { x: event.clientX - box.left, y: event.clientY - box.top };
    });
    new ResizeObserver(() => this.scene && this.fit()).observe(container);
  }

  /**
   * Lays the scene out and draws it, the camera on the whole of it or, when that would make labels
   * unreadable, on its focus. Resolves true once drawn, false if another scene replaced it first.
   */
  async show(scene: Scene, options: { hints?: ReadonlyMap<string, number>; frame?: readonly string[] } = {}): Promise<boolean> {
    const { hints, frame } = options;
    const generation = ++this.generation;
    this.settled = false;
    const layout = await this.worker.layered({
      nodes: scene.nodes.map((n) => ({
        id: n.id,
        size: n.size,
        width: labelReach(n),
        ...(hints?.has(n.id) ? { hint: hints.get(n.id)! } : {}),
      })),
      edges: scene.edges.map((e) => [e.source, e.target]),
    });
    if (generation !== this.generation) return false;
    this.scene = scene;
    this.layout = layout;
    this.nodes.clear();
    this.graph.clear();
    for (const node of scene.nodes) this.addNode(node);
    for (const edge of scene.edges) this.addEdge(edge);
    renderLegend(this.legend, scene);
    this.renderer.setSetting('hideEdgesOnMove', scene.nodes.length > 2000);
    this.framed = frame ?? null;
    this.fit();
    await this.rendered();
    if (generation !== this.generation) return false;
    this.settled = true;
    return true;
  }

  /**
   * Adds nodes next to those they extend, moving nothing already drawn but sideways; drops the
   * nodes in `remove` and relabels those in `update`.
   */
  async extend(
    groups: { anchor: string; direction: -1 | 1; nodes: SceneNode[] }[],
    edges: SceneEdge[],
    remove: string[],
    update: SceneNode[] = [],
  ): Promise<void> {
    const generation = this.generation;
    this.settled = false;
    const layout = await this.worker.extend({
      layout: this.layout!,
      groups: groups.map((g) => ({
        anchor: g.anchor,
        direction: g.direction,
        nodes: g.nodes.map((n) => ({ id: n.id, size: n.size, width: labelReach(n) })),
      })),
    });
    if (generation !== this.generation || !this.scene) return;
    this.layout = layout;
    for (const id of remove) {
      if (this.graph.hasNode(id)) this.graph.dropNode(id);
      this.nodes.delete(id);
    }
    const added = groups.flatMap((g) => g.nodes);
    const updated = new Map(update.map((n) => [n.id, n]));
    for (const node of update) {
      this.nodes.set(node.id, node);
      this.graph.mergeNodeAttributes(node.id, this.labelAttributes(node));
    }
    const kept = this.scene.nodes.filter((n) => !remove.includes(n.id)).map((n) => updated.get(n.id) ?? n);
    this.scene = {
      ...this.scene,
      nodes: [...kept, ...added],
      edges: [...this.scene.edges.filter((e) => !remove.includes(e.source) && !remove.includes(e.target)), ...edges],
    };
    this.graph.forEachNode((id) => {
      const at = layout.positions[id];
      if (at) this.graph.mergeNodeAttributes(id, { x: at.x, y: -at.y });
    });
    for (const node of added) this.addNode(node);
    for (const edge of edges) this.addEdge(edge);
    renderLegend(this.legend, this.scene);
    await this.rendered();
    if (generation === this.generation) this.settled = true;
  }

  /** The scene node under a graph key. */
  node(id: string): SceneNode | undefined {
    return this.nodes.get(id);
  }

  private addNode(node: SceneNode): void {
    const at = this.layout!.positions[node.id]!;
    this.nodes.set(node.id, node);
    // Layout heights grow downwards, sigma's upwards.
    this.graph.addNode(node.id, {
      x: at.x,
      y: -at.y,
      size: node.size,
      radius: node.size,
      ...this.labelAttributes(node),
      color: node.color,
      kind: node.kind,
      badge: node.badge,
      focused: node.focused ?? false,
      forceLabel: true,
      zIndex: node.focused ? 2 : node.kind === 'expander' ? 0 : 1,
    });
  }

  /** The label drawn (cut if long) and, when cut, the whole one for the hover box. */
  private labelAttributes(node: SceneNode): { label: string; fullLabel: string | null } {
    const label = shownLabel(node);
    return { label, fullLabel: label === node.label ? null : node.label };
  }

  private addEdge(edge: SceneEdge): void {
    if (!this.graph.hasNode(edge.source) || !this.graph.hasNode(edge.target) || this.graph.hasEdge(edge.source, edge.target)) return;
    this.graph.addEdge(edge.source, edge.target, { size: Math.min(6, 0.8 + Math.log2(edge.weight) * 0.8), color: '#94a3b8' });
  }

  private rendered(): Promise<void> {
    return new Promise((resolve) => {
      this.onRendered.push(resolve);
      this.renderer.scheduleRender();
    });
  }

  /** The camera on the whole scene (or the framed nodes), or on its focus at the smallest readable scale. */
  fit(): void {
    if (!this.layout || !this.scene || this.scene.nodes.length === 0) return;
    const camera = this.renderer.getCamera();
    this.fitting = true;
    this.renderer.setSetting('minCameraRatio', null);
    this.renderer.setSetting('maxCameraRatio', null);
    const whole = this.contentBox(this.scene.nodes);
    this.renderer.setCustomBBox({ x: [whole.left, whole.right], y: [-whole.bottom, -whole.top] });
    camera.setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
    this.renderer.refresh();
    const framed = this.framed ? new Set(this.framed) : null;
    const box = framed ? this.contentBox(this.scene.nodes.filter((n) => framed.has(n.id))) : whole;
    const { width, height } = this.renderer.getDimensions();
    const unit = this.renderer.getGraphToViewportRatio();
    const fits = Math.min((width - 2 * MARGIN) / (box.right - box.left), (height - 2 * MARGIN) / (box.bottom - box.top));
    let scale = Math.min(LARGEST_SCALE, Math.max(SMALLEST_SCALE, fits));
    let centre = { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 };
    const focus = this.layout.positions[this.scene.focus ?? ''];
    let keep = box.left;
    if (scale > fits && focus) {
      // On the focus, but with no empty band beside the drawing where it could show more of it.
      const [halfWidth, halfHeight] = [(width / 2 - MARGIN) / scale, (height / 2 - MARGIN) / scale];
      const within = (at: number, low: number, high: number, half: number) =>
        high - low <= 2 * half ? (low + high) / 2 : Math.min(Math.max(at, low + half), high - half);
      centre = { x: within(focus.x, whole.left, whole.right, halfWidth), y: within(focus.y, whole.top, whole.bottom, halfHeight) };
      keep = focus.x - MARGIN;
    } else if (scale > fits) {
      // From the left edge, zoomed in just enough that the right edge falls between two columns.
      scale = this.scaleToColumnGap(box.left, width - 2 * MARGIN, scale);
      centre = { x: box.left + (width / 2 - MARGIN) / scale, y: centre.y };
    }
    if (whole.right - whole.left > (width - 2 * MARGIN) / scale) centre.x = this.clearOfLabels(centre.x, width / 2 / scale, keep);
    const at = this.renderer.viewportToFramedGraph(this.renderer.graphToViewport({ x: centre.x, y: -centre.y }));
    camera.setState({ x: at.x, y: at.y, ratio: unit / scale, angle: 0 });
    this.fittedScale = scale;
    // Zoom in to four times the label size, out until the whole scene is half the pane.
    const wholeFits = Math.min((width - 2 * MARGIN) / (whole.right - whole.left), (height - 2 * MARGIN) / (whole.bottom - whole.top));
    this.renderer.setSetting('minCameraRatio', unit / 4);
    this.renderer.setSetting('maxCameraRatio', unit / Math.min(scale, wholeFits / 2));
    this.fitting = false;
  }

  /** Calls back when the user moves the camera (not when a view sets it). */
  onUserCamera(callback: () => void): void {
    this.renderer.getCamera().on('updated', () => this.fitting || callback());
  }

  /** Pixels per layout unit at the current zoom. */
  scale(): number {
    return this.renderer.getGraphToViewportRatio();
  }

  /** The whole drawing, labels included, in layout units (heights downwards). */
  private contentBox(nodes: SceneNode[]) {
    const box = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
    for (const node of nodes) {
      const at = this.layout!.positions[node.id];
      if (!at) continue;
      const half = Math.max(node.size, ROW / 2);
      box.left = Math.min(box.left, at.x - node.size);
      box.right = Math.max(box.right, at.x + node.size + (node.kind === 'expander' ? 0 : LABEL_OFFSET + labelReach(node)));
      box.top = Math.min(box.top, at.y - half);
      box.bottom = Math.max(box.bottom, at.y + half);
    }
    return box;
  }

  /** The scale, `scale` or more, at which `pixels` from `left` end in a gap between columns. */
  private scaleToColumnGap(left: number, pixels: number, scale: number): number {
    const right = left + pixels / scale;
    const cut = this.layout!.columns.find((c) => c.x - c.left < right && right < c.x + c.right);
    if (!cut) return scale;
    const wider = pixels / (cut.x - cut.left - COLUMN_GAP / 2 - left);
    return wider <= LARGEST_SCALE ? wider : scale;
  }

  /**
   * Moves a view centred on `x` until its right edge falls between columns, keeping `keep` in
   * view: a node drawn with its label cut at the edge would read like the labels the side panel
   * used to hide.
   */
  private clearOfLabels(x: number, halfWidth: number, keep: number): number {
    for (let tries = 0; tries < 8; tries++) {
      const edge = x + halfWidth;
      const cut = this.layout!.columns.find((c) => c.x - c.left < edge && edge < c.x + c.right);
      if (!cut) return x;
      const before = x - (edge - (cut.x - cut.left) + MARGIN / 2);
      const after = x + (cut.x + cut.right + MARGIN / 2 - edge);
      x = keep >= after - halfWidth && after - x < x - before ? after : keep >= before - halfWidth ? before : after;
    }
    return x;
  }
}
