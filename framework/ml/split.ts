import { seededRandom } from '../core/random.js';
/** Row indexes for training and test, shuffled by `seed`; stratified keeps each class's share. */
export function splitRows(
  labels: ArrayLike<number>,
  testFraction: number,
  seed: number,
  stratified: boolean,
): { train: number[]; test: number[] } {
  const random = seededRandom(seed);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = stratified ? labels[i]! : 0;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(key)!;
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j]!, group[i]!];
    }
    const testCount = Math.round(group.length * testFraction);
    test.push(...group.slice(0, testCount));
    train.push(...group.slice(testCount));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
