/**
 * Explanations shared by all algorithms: names for encoded inputs, contributions summed back to
 * the declared features (one-hot columns add up to their feature), the top ones by size, global
 * importance as mean |contribution|, and logistic regression's contributions (coefficient ×
 * encoded value, which is the standardized value for standardized features).
 */
import type { EncodedFeature } from '../features.js';
import type { LogisticModel } from '../logistic.js';
import { sqlNumber } from './sql.js';

export interface Contribution {
  feature: string;
  contribution: number;
}

/** One name per encoded input, in encoding order: the feature, or `feature=category` for one-hot columns. */
export function inputNames(encoded: readonly EncodedFeature[]): string[] {
  return encoded.flatMap((f) => (f.kind === 'one_hot' ? f.categories.map((c) => `${f.name}=${c}`) : [f.name]));
}

/** Sums per-input contributions per declared feature (a one-hot feature's columns together). */
export function contributionsByFeature(values: ArrayLike<number>, encoded: readonly EncodedFeature[]): Contribution[] {
  const out: Contribution[] = [];
  let at = 0;
  for (const f of encoded) {
    const columns = f.kind === 'one_hot' ? f.categories.length : 1;
    let sum = 0;
    for (let k = 0; k < columns; k++) sum += values[at + k]!;
    at += columns;
    out.push({ feature: f.name, contribution: sum });
  }
  return out;
}

/** The `k` largest contributions by absolute size, sign kept; zeros left out. */
export function topContributions(contributions: readonly Contribution[], k: number): Contribution[] {
  return contributions
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
    .slice(0, k);
}

/** Mean |contribution| per input over rows, scaled to sum to 1: importance in the model's own units. */
export function meanAbsoluteContributions(rows: number, width: number, contributionsOf: (row: number) => ArrayLike<number>): number[] {
  const totals = new Float64Array(width);
  for (let i = 0; i < rows; i++) {
    const values = contributionsOf(i);
    for (let f = 0; f < width; f++) totals[f] = totals[f]! + Math.abs(values[f]!);
  }
  let sum = 0;
  for (const t of totals) sum += t;
  return Array.from(totals, (t) => (sum > 0 ? t / sum : 0));
}

/**
 * A portable SQL string holding every contribution as a JSON object (`{"name": value, …}`),
 * built with `||` and CAST only, for a `contributions` column on DuckDB and Trino alike.
 */
export function contributionsJsonSql(names: readonly string[], expressions: readonly string[]): string {
  const parts = names.map(
    (name, f) => `'${f === 0 ? '{' : ','}${JSON.stringify(name).replace(/'/g, "''")}:' || CAST(${expressions[f]} AS VARCHAR)`,
  );
  return parts.length ? `(${parts.join(' || ')} || '}')` : `'{}'`;
}

/**
 * Logistic contributions to the log-odds of class `output` (binary: the positive class):
 * wⱼ·(xⱼ − centerⱼ), base = w₀ + Σ wⱼ·centerⱼ, so base + Σ = the linear score. `center` defaults
 * to 0, the training mean of standardized inputs.
 */
export function logisticContributions(
  model: LogisticModel,
  input: ArrayLike<number>,
  output = 0,
  center?: ArrayLike<number>,
): { base: number; values: Float64Array } {
  const w = model.weights[output]!;
  const values = new Float64Array(input.length);
  let base = w[0]!;
  for (let j = 0; j < input.length; j++) {
    const c = center ? center[j]! : 0;
    values[j] = w[j + 1]! * (input[j]! - c);
    base += w[j + 1]! * c;
  }
  return { base, values };
}

export function logisticContributionSql(model: LogisticModel, inputs: readonly string[], output = 0, center?: ArrayLike<number>): string[] {
  const w = model.weights[output]!;
  return inputs.map((input, j) => {
    const c = center ? center[j]! : 0;
    return c === 0 ? `(${sqlNumber(w[j + 1]!)} * (${input}))` : `(${sqlNumber(w[j + 1]!)} * ((${input}) - ${sqlNumber(c)}))`;
  });
}
