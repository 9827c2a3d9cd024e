import type { GraphView } from './graph/view.js';

export interface KeyboardActions {
  /** Opens a scene node (a node, or a column in column lineage). */
  open: (sceneNode: string) => void;
  back: () => void;
  /** The scene node the page is about, if a node page is open. */
  current: () => string | null;
}

/**
 * `/` focuses search; on a node page ← and → walk to the nearest parent or child in the drawing,
 * ↑ and ↓ to the next node up or down its column; Esc goes back (or leaves the search box).
 */
export function wireKeyboard(search: HTMLInputElement, matches: HTMLElement, view: GraphView, actions: KeyboardActions): void {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing =
      event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === 'Escape') {
      if (typing) {
        (event.target as HTMLElement).blur();
        matches.innerHTML = '';
      } else actions.back();
      return;
    }
    if (typing) return;
    if (event.key === '/') {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    const step = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' }[event.key] as
      | 'left'
      | 'right'
      | 'up'
      | 'down'
      | undefined;
    const from = actions.current();
    if (!step || !from) return;
    const next = neighbour(view, from, step);
    event.preventDefault();
    if (next) actions.open(next);
  });
}

/** The nearest node linked upstream (left) or downstream (right), or next in the column (up, down). */
export function neighbour(view: GraphView, from: string, step: 'left' | 'right' | 'up' | 'down'): string | null {
  const { layout, scene } = view;
  const at = layout?.positions[from];
  if (!layout || !scene || !at) return null;
  const openable = new Set(scene.nodes.filter((n) => n.opens).map((n) => n.id));
  let candidates: string[];
  if (step === 'left') candidates = scene.edges.filter((e) => e.target === from).map((e) => e.source);
  else if (step === 'right') candidates = scene.edges.filter((e) => e.source === from).map((e) => e.target);
  else
    candidates = Object.keys(layout.positions).filter(
      (id) => layout.positions[id]!.rank === at.rank && (step === 'up' ? layout.positions[id]!.y < at.y : layout.positions[id]!.y > at.y),
    );
  const distance = (id: string) => Math.abs(layout.positions[id]!.y - at.y);
  return candidates.filter((id) => openable.has(id) && layout.positions[id]).sort((a, b) => distance(a) - distance(b))[0] ?? null;
}
