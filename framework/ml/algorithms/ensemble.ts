/**
 * Sums over a list of trees, in JavaScript and in SQL, in the same order so both round alike.
 * Every tree model is such a sum: boosting adds one list per output, a forest averages its trees,
 * an isolation forest averages path lengths. `stride` is the number of values per node and
 * `output` which of them is summed.
 */
import { addPathContributions, featuresUsed, leafContributions, leafOf, operand, treeSql, type Tree } from './tree.js';
import { sqlNumber, sqlSum } from './sql.js';

/** What a scoring query must branch on: how many splits its trees make, and the most-used ones as SQL. */
export interface Branches {
  splits: number;
  /** `input <= threshold` over the SQL inputs, most-used first. */
  common: string[];
}

/** How many of the most-used splits `branches` names: enough to order a few thousand of DuckDB's 2,048-row vectors. */
const COMMON_SPLITS = 16;

/**
 * The splits of all `trees`, each weighted by the share of rows that reaches it were every split
 * to halve them (2^-depth), summed where trees share a split (same input, same threshold). The
 * trees store no row counts, and the halving guess ordered rows as well as any key measured.
 */
export function branches(trees: readonly Tree[], inputs: readonly string[]): Branches {
  const weights = new Map<string, { feature: number; threshold: number; weight: number }>();
  let splits = 0;
  for (const tree of trees) {
    const visit = (node: number, share: number) => {
      const feature = tree.feature[node]!;
      if (feature < 0) return;
      splits++;
      const threshold = tree.threshold[node]!;
      const key = `${feature}:${threshold}`;
      const split = weights.get(key) ?? { feature, threshold, weight: 0 };
      split.weight += share;
      weights.set(key, split);
      visit(tree.left[node]!, share / 2);
      visit(tree.right[node]!, share / 2);
    };
    visit(0, 1);
  }
  const common = [...weights.values()]
    .sort((a, b) => b.weight - a.weight || a.feature - b.feature || a.threshold - b.threshold)
    .slice(0, COMMON_SPLITS)
    .map(({ feature, threshold }) => `${operand(inputs[feature]!)} <= ${sqlNumber(threshold)}`);
  return { splits, common };
}

export interface TreeList {
  trees: Tree[];
  stride: number;
  output: number;
}

export function sumLeaves({ trees, stride, output }: TreeList, x: ArrayLike<number>, offset = 0): number {
  let sum = 0;
  for (const tree of trees) sum += tree.value[leafOf(tree, x, offset) * stride + output]!;
  return sum;
}

export function sumLeavesSql({ trees, stride, output }: TreeList, inputs: readonly string[]): string {
  return sqlSum(trees.map((tree) => treeSql(tree, inputs, (node) => sqlNumber(tree.value[node * stride + output]!))));
}

/** What the sum is for a row about which nothing is known: the roots' values. */
export function sumRoots({ trees, output }: TreeList): number {
  let sum = 0;
  for (const tree of trees) sum += tree.value[output]!;
  return sum;
}

/** Adds each feature's path contribution over all trees to `out` (length = width). */
export function addContributions({ trees, stride, output }: TreeList, x: ArrayLike<number>, offset: number, out: Float64Array): void {
  for (const tree of trees) addPathContributions(tree, x, offset, stride, output, out);
}

/** One feature's contribution over all trees as SQL; trees that never split on it add nothing. */
export function contributionSql({ trees, stride, output }: TreeList, inputs: readonly string[], feature: number): string {
  const terms: string[] = [];
  for (const tree of trees) {
    if (!featuresUsed(tree).has(feature)) continue;
    const byLeaf = leafContributions(tree, feature, stride, output);
    terms.push(treeSql(tree, inputs, (node) => sqlNumber(byLeaf.get(node)!)));
  }
  return sqlSum(terms);
}
