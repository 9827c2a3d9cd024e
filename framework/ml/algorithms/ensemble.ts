/**
 * Sums over a list of trees, in JavaScript and in SQL, in the same order so both round alike.
 * Every tree model is such a sum: boosting adds one list per output, a forest averages its trees,
 * an isolation forest averages path lengths. `stride` is the number of values per node and
 * `output` which of them is summed.
 */
import { addPathContributions, featuresUsed, leafContributions, leafOf, treeSql, type Tree } from './tree.js';
import { sqlNumber, sqlSum } from './sql.js';

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
