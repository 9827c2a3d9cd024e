/**
 * A layered (Sugiyama-style) left-to-right layout sized for labels: a node's column is its
 * longest path from a root, nodes in a column are ordered by the barycentre of their neighbours,
 * then pulled level with their neighbours without coming closer than a row. Columns are as wide
 * as their longest label, so at the scale the layout is drawn at no two labels overlap.
 * Pure: it runs in the layout worker, and in tests.
 */
export interface LayoutNode {
  id: string;
  /** Radius, in layout units. */
  size: number;
  /** How far the label (and its badge) reaches right of the node's edge, in layout units. */
  width: number;
  /** An earlier vertical position: nodes with hints start in that order, so a re-layout keeps it. */
  hint?: number;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  /** Parent → child; edges to nodes not in `nodes` are ignored. */
  edges: [string, string][];
}

export interface Placed {
  x: number;
  /** Downwards. */
  y: number;
  rank: number;
}

export interface Column {
  rank: number;
  x: number;
  /** The largest radius in the column (how far it reaches left of x). */
  left: number;
  /** How far the column's longest label reaches right of x. */
  right: number;
}

export interface Layout {
  positions: Record<string, Placed>;
  columns: Column[];
}

/** Space between the end of a column's longest label and the next column's nodes. */
export const COLUMN_GAP = 44;
/** Centre-to-centre distance of nodes in a column, at least. */
export const ROW = 26;
/** Between a node's edge and its label. */
export const LABEL_OFFSET = 5;

const separation = (a: LayoutNode, b: LayoutNode) => Math.max(ROW, a.size + b.size + 10);
const reach = (node: LayoutNode) => node.size + LABEL_OFFSET + node.width;

export function layered(input: LayoutInput): Layout {
  const nodes = input.nodes;
  const at = new Map(nodes.map((n, i) => [n.id, i]));
  const parents: number[][] = nodes.map(() => []);
  const children: number[][] = nodes.map(() => []);
  const seen = new Set<string>();
  for (const [source, target] of input.edges) {
    const s = at.get(source);
    const t = at.get(target);
    if (s === undefined || t === undefined || s === t || seen.has(`${s} ${t}`)) continue;
    seen.add(`${s} ${t}`);
    parents[t]!.push(s);
    children[s]!.push(t);
  }
  const rank = ranks(parents, children);
  const byRank = orderWithinRanks(nodes, rank, parents, children);
  const ys = verticalPositions(nodes, byRank, parents, children);
  const columns: Column[] = [];
  let x = 0;
  byRank.forEach((members, r) => {
    const left = members.reduce((most, i) => Math.max(most, nodes[i]!.size), 0);
    const right = members.reduce((most, i) => Math.max(most, reach(nodes[i]!)), 0);
    if (columns.length) x += columns[columns.length - 1]!.right + COLUMN_GAP + left;
    columns.push({ rank: r, x, left, right });
  });
  const positions: Record<string, Placed> = {};
  nodes.forEach((node, i) => (positions[node.id] = { x: columns[rank[i]!]!.x, y: ys[i]!, rank: rank[i]! }));
  return { positions, columns };
}

/**
 * Longest path from a root, over the edges left once those closing a cycle are dropped; roots
 * then move right next to their first child, so a source read only by a mart is not drawn at the
 * far left with an edge across the whole graph.
 */
function ranks(parents: number[][], children: number[][]): number[] {
  const n = parents.length;
  const dropped = backEdges(children);
  const liveParents = parents.map((list, t) => list.filter((s) => !dropped.has(`${s} ${t}`)));
  const liveChildren = children.map((list, s) => list.filter((t) => !dropped.has(`${s} ${t}`)));
  const waiting = liveParents.map((list) => list.length);
  const rank = new Array<number>(n).fill(0);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    const s = order[k]!;
    for (const t of liveChildren[s]!) {
      rank[t] = Math.max(rank[t]!, rank[s]! + 1);
      if (--waiting[t]! === 0) order.push(t);
    }
  }
  for (const i of order)
    if (liveParents[i]!.length === 0 && liveChildren[i]!.length)
      rank[i] = liveChildren[i]!.reduce((low, c) => Math.min(low, rank[c]!), Infinity) - 1;
  // Numbered 0, 1, 2… with no empty rank (pulling every root right can empty rank 0).
  const dense = new Map([...new Set(rank)].sort((a, b) => a - b).map((r, k) => [r, k]));
  return rank.map((r) => dense.get(r)!);
}

/** Edges that close a cycle, found by an iterative depth-first search. */
function backEdges(children: number[][]): Set<string> {
  const state = new Uint8Array(children.length); // 0 new, 1 on the stack, 2 done
  const dropped = new Set<string>();
  for (let root = 0; root < children.length; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next >= children[node]!.length) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const child = children[node]![next]!;
      if (state[child] === 1) dropped.add(`${node} ${child}`);
      else if (state[child] === 0) {
        state[child] = 1;
        stack.push([child, 0]);
      }
    }
  }
  return dropped;
}

/** Nodes of each rank, top to bottom: hints first, then barycentre sweeps left-right and back. */
function orderWithinRanks(nodes: LayoutNode[], rank: number[], parents: number[][], children: number[][]): number[][] {
  const byRank: number[][] = [];
  const start = discoveryOrder(parents, children);
  const hinted = nodes.some((n) => n.hint !== undefined);
  const key = (i: number) => (hinted ? (nodes[i]!.hint ?? Infinity) : 0) * 1e6 + start[i]!;
  nodes.forEach((_, i) => (byRank[rank[i]!] ??= []).push(i));
  for (let r = 0; r < byRank.length; r++) byRank[r] = (byRank[r] ?? []).sort((a, b) => key(a) - key(b));
  const position = new Float64Array(nodes.length);
  const place = (r: number) => byRank[r]!.forEach((i, k) => (position[i] = (k + 0.5) / byRank[r]!.length));
  for (let r = 0; r < byRank.length; r++) place(r);
  // Fewer sweeps when hinted: a re-layout should look like the layout it replaces.
  const sweeps = hinted ? 2 : 8;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const down = sweep % 2 === 0;
    const neighbours = down ? parents : children;
    for (let step = 0; step < byRank.length; step++) {
      const r = down ? step : byRank.length - 1 - step;
      const centre = new Map<number, number>();
      for (const i of byRank[r]!) {
        const list = neighbours[i]!;
        centre.set(i, list.length ? list.reduce((sum, j) => sum + position[j]!, 0) / list.length : position[i]!);
      }
      byRank[r]!.sort((a, b) => centre.get(a)! - centre.get(b)! || position[a]! - position[b]!);
      place(r);
    }
  }
  return byRank;
}

/** Depth-first from the roots, in input order: connected nodes start next to each other. */
function discoveryOrder(parents: number[][], children: number[][]): number[] {
  const order = new Array<number>(parents.length).fill(-1);
  let next = 0;
  const visit = (root: number) => {
    const stack = [root];
    while (stack.length) {
      const i = stack.pop()!;
      if (order[i] !== -1) continue;
      order[i] = next++;
      for (let k = children[i]!.length - 1; k >= 0; k--) if (order[children[i]![k]!] === -1) stack.push(children[i]![k]!);
    }
  };
  for (let i = 0; i < parents.length; i++) if (parents[i]!.length === 0) visit(i);
  for (let i = 0; i < parents.length; i++) visit(i);
  return order;
}

/**
 * Each column's nodes, in their order, as close as they can get to the mean height of their
 * neighbours: alternately those to the left and those to the right.
 */
function verticalPositions(nodes: LayoutNode[], byRank: number[][], parents: number[][], children: number[][]): Float64Array {
  const y = new Float64Array(nodes.length);
  for (const members of byRank) {
    let at = 0;
    members.forEach((i, k) => {
      if (k) at += separation(nodes[members[k - 1]!]!, nodes[i]!);
      y[i] = at;
    });
    for (const i of members) y[i]! -= at / 2;
  }
  for (let pass = 0; pass < 6; pass++) {
    const neighbours = pass % 2 === 0 ? parents : children;
    const ranks = pass % 2 === 0 ? byRank.keys() : [...byRank.keys()].reverse();
    for (const r of ranks) {
      const members = byRank[r]!;
      const wanted = members.map((i) =>
        neighbours[i]!.length ? neighbours[i]!.reduce((sum, j) => sum + y[j]!, 0) / neighbours[i]!.length : y[i]!,
      );
      const gaps = members.map((i, k) => (k ? separation(nodes[members[k - 1]!]!, nodes[i]!) : 0));
      isotonic(wanted, gaps).forEach((value, k) => (y[members[k]!] = value));
    }
  }
  return y;
}

/**
 * The heights closest (least squares) to `wanted` that keep their order with at least `gaps[k]`
 * between k-1 and k: pool-adjacent-violators on the heights less the gaps before them.
 */
export function isotonic(wanted: number[], gaps: number[]): number[] {
  const offset: number[] = [];
  gaps.forEach((gap, k) => offset.push((offset[k - 1] ?? 0) + (k ? gap : 0)));
  const blocks: { sum: number; count: number }[] = [];
  wanted.forEach((value, k) => {
    blocks.push({ sum: value - offset[k]!, count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const before = blocks[blocks.length - 2]!;
      if (before.sum / before.count <= last.sum / last.count) break;
      before.sum += last.sum;
      before.count += last.count;
      blocks.pop();
    }
  });
  const out: number[] = [];
  for (const block of blocks) for (let c = 0; c < block.count; c++) out.push(block.sum / block.count + offset[out.length]!);
  return out;
}
