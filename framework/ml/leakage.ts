import type { FeatureColumn } from '../compile/manifest.js';
import type { Target } from './algorithm.js';
import type { Row } from './features.js';
import { rocAuc } from './metrics.js';

/** A feature that alone says this much about the label was most likely computed from it. */
const BINARY_AUC = 0.98;
const EXPLAINED = 0.98;

/**
 * Features that alone nearly determine the label, one sentence each: for a binary label by
 * ROC-AUC; for classes by how often the most common class of the feature's value (or of its
 * value's quantile group) is right, against the most common class overall; for numbers by the
 * share of the label's variance the groups explain. Anomaly models learn without labels.
 */
export function leakage(features: readonly FeatureColumn[], rows: readonly Row[], target: Target): string[] {
  if (target.task === 'anomaly' || rows.length < 20) return [];
  const found: string[] = [];
  const positive = target.task === 'binary' ? Array.from(target.y, (v) => v === 1) : [];
  for (const feature of features) {
    if (target.task === 'binary') {
      if (feature.type === 'categorical') continue;
      const values = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) values[i] = Number(rows[i]![feature.name] ?? 0);
      const auc = rocAuc(positive, values);
      const separation = Math.max(auc, 1 - auc);
      if (separation >= BINARY_AUC) found.push(`feature ${feature.name} alone separates the label (ROC-AUC ${separation.toFixed(3)})`);
      continue;
    }
    const groups = groupsOf(rows.map((r) => r[feature.name]));
    if (!groups) continue;
    if (target.task === 'multiclass') {
      const right = groups.reduce((sum, group) => sum + mostCommon(group.map((i) => target.y[i]!)), 0) / rows.length;
      const baseline = mostCommon(Array.from(target.y)) / rows.length;
      if (right >= EXPLAINED && right > baseline)
        found.push(
          `feature ${feature.name} alone predicts the class of ${percent(right)} of training rows (the most common class alone: ${percent(baseline)})`,
        );
    } else if (target.task === 'regression') {
      const explained = explainedVariance(groups, target.y);
      if (explained >= EXPLAINED) found.push(`feature ${feature.name} alone explains ${percent(explained)} of the label's variance`);
    }
  }
  return found;
}

/**
 * Row indexes grouped by the feature's value when it has few distinct values, else into equal
 * quantile groups of sorted values; at least 20 rows a group on average, so that small groups
 * do not look pure by chance. Null when the feature cannot be grouped so (an identifier).
 */
function groupsOf(values: readonly unknown[]): number[][] | null {
  const count = Math.min(20, Math.floor(values.length / 20));
  const byValue = new Map<unknown, number[]>();
  for (const [i, value] of values.entries()) {
    const key = value ?? null;
    const group = byValue.get(key);
    if (group) group.push(i);
    else if (byValue.size < count) byValue.set(key, [i]);
    else return quantileGroups(values, count);
  }
  return [...byValue.values()];
}

function quantileGroups(values: readonly unknown[], count: number): number[][] | null {
  // Nulls sort first, in the lowest group; text that is not a number makes the feature ungroupable.
  const numbers = values.map((v) => (v === null || v === undefined ? Number.NEGATIVE_INFINITY : Number(v)));
  if (numbers.some(Number.isNaN)) return null;
  const order = numbers.map((_, i) => i).sort((a, b) => numbers[a]! - numbers[b]!);
  const size = Math.ceil(order.length / count);
  return Array.from({ length: count }, (_, g) => order.slice(g * size, (g + 1) * size)).filter((g) => g.length > 0);
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

/** Between-group variance over total variance (the correlation ratio η²). */
function explainedVariance(groups: readonly number[][], y: Float64Array): number {
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const total = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  if (total === 0) return 0;
  const between = groups.reduce((s, group) => {
    const m = group.reduce((t, i) => t + y[i]!, 0) / group.length;
    return s + group.length * (m - mean) ** 2;
  }, 0);
  return between / total;
}

const percent = (share: number) => `${(100 * share).toFixed(1)} %`;
