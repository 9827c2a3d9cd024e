import { COLUMN_GAP, LABEL_OFFSET, ROW, type Column, type Layout, type LayoutNode, type Placed } from './layered.js';

export interface ExtendInput {
  layout: Layout;
  /** Placed in order: a later group can be anchored on a node an earlier one added. */
  groups: ExtendGroup[];
}

export interface ExtendGroup {
  /** The node whose parents (direction -1) or children (+1) are added. */
  anchor: string;
  direction: -1 | 1;
  /** The nodes to add, not yet in the layout. */
  nodes: LayoutNode[];
}

/**
 * Adds nodes next to an anchor without laying out again: they go in the column left or right of
 * it (a new column past the edge of the layout if there is none), in the free rows nearest the
 * anchor's height. Nothing placed moves up or down; a column that must widen for a longer label
 * pushes the columns after it right, all by the same distance.
 */
export function extend(input: ExtendInput): Layout {
  const layout = { positions: { ...input.layout.positions }, columns: input.layout.columns.map((c) => ({ ...c })) };
  for (const group of input.groups) place(layout, group);
  return layout;
}

function place({ positions, columns }: Layout, input: ExtendGroup): void {
  const anchor = positions[input.anchor];
  if (!anchor || input.nodes.length === 0) return;
  const rank = anchor.rank + input.direction;
  const left = input.nodes.reduce((most, n) => Math.max(most, n.size), 0);
  const right = input.nodes.reduce((most, n) => Math.max(most, n.size + LABEL_OFFSET + n.width), 0);
  let column = columns.find((c) => c.rank === rank);
  if (!column) {
    const edge = input.direction < 0 ? columns[0]! : columns[columns.length - 1]!;
    const x = input.direction < 0 ? edge.x - edge.left - COLUMN_GAP - right : edge.x + edge.right + COLUMN_GAP + left;
    column = { rank, x, left, right };
    if (input.direction < 0) columns.unshift(column);
    else columns.push(column);
  } else if (right > column.right) {
    shift(columns, positions, (c) => c.rank > rank, right - column.right);
    column.right = right;
  }
  if (left > column.left) {
    shift(columns, positions, (c) => c.rank < rank, column.left - left);
    column.left = left;
  }
  const taken = Object.values(positions)
    .filter((p) => p.rank === rank)
    .map((p) => p.y);
  input.nodes.forEach((node, k) => {
    const wanted = anchor.y + (k - (input.nodes.length - 1) / 2) * ROW;
    const y = nearestFree(wanted, taken);
    taken.push(y);
    positions[node.id] = { x: column!.x, y, rank };
  });
}

function shift(columns: Column[], positions: Record<string, Placed>, which: (c: Column) => boolean, by: number): void {
  const moved = new Set<number>();
  for (const c of columns) {
    if (!which(c)) continue;
    c.x += by;
    moved.add(c.rank);
  }
  for (const [id, p] of Object.entries(positions)) if (moved.has(p.rank)) positions[id] = { ...p, x: p.x + by };
}

/** The height nearest `wanted`, stepping half a row at a time, at least a row from every taken one. */
function nearestFree(wanted: number, taken: number[]): number {
  const free = (y: number) => taken.every((t) => Math.abs(t - y) >= ROW - 0.001);
  for (let step = 0; ; step++) {
    for (const y of [wanted + (step * ROW) / 2, wanted - (step * ROW) / 2]) if (free(y)) return y;
  }
}
