import { escape } from '../render.js';
import { KIND_COLORS, KIND_NAMES, type Scene, type SceneKind } from './scene.js';

/** What the colours in the graph mean: the kinds drawn, and the badge if tests are collapsed. */
export function renderLegend(legend: HTMLElement, scene: Scene): void {
  const kinds = new Set<SceneKind>(scene.nodes.map((n) => n.kind));
  const order = Object.keys(KIND_COLORS) as SceneKind[];
  const items = order
    .filter((kind) => kinds.has(kind))
    .map(
      (kind) =>
        `<li data-kind="${kind}"><span class="swatch" style="background:${KIND_COLORS[kind]}"></span>${escape(KIND_NAMES[kind])}</li>`,
    );
  if (scene.nodes.some((n) => n.badge))
    items.push('<li data-kind="badge"><span class="legend-badge">5</span>tests on it, coloured by their worst last status</li>');
  legend.innerHTML = `<ul>${items.join('')}</ul>`;
}
