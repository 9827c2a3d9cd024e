import type { FeatureColumn } from '../compile/manifest.js';
import type { Dialect } from '../warehouse/dialect.js';
import { sqlNumber } from './algorithms/sql.js';

/** How each feature becomes numbers, with the parameters learned on the training split. */
export interface EncodedFeature {
  name: string;
  kind: 'numeric' | 'boolean' | 'one_hot';
  fill: number | string | boolean | null;
  standardize: boolean;
  mean: number;
  std: number;
  categories: string[];
}

export type Row = Record<string, unknown>;

export function fitFeatures(rows: Row[], columns: readonly FeatureColumn[]): { encoded: EncodedFeature[]; notes: string[] } {
  const notes: string[] = [];
  const encoded = columns.map((column) => {
    const oneHot = column.transforms.includes('one_hot') || column.type === 'categorical';
    const fillSpec = column.transforms.find((t): t is { fill_null: string | number | boolean } => typeof t === 'object');
    const values = rows.map((r) => r[column.name]);
    const nulls = values.filter((v) => v === null || v === undefined).length;
    if (oneHot) {
      const fill = fillSpec ? fillSpec.fill_null : null;
      const categories = [
        ...new Set(
          values
            .map((v) => (v === null || v === undefined ? fill : v))
            .filter((v) => v !== null)
            .map(String),
        ),
      ].sort();
      return { name: column.name, kind: 'one_hot' as const, fill, standardize: false, mean: 0, std: 1, categories };
    }
    // Loops over typed arrays, summing in row order as reduce did: the same mean and std to the last bit.
    let sum = 0;
    for (const v of values) if (v !== null && v !== undefined) sum += toNumber(v);
    const mean = sum / Math.max(1, values.length - nulls);
    let fill: number | string | boolean | null = fillSpec ? (fillSpec.fill_null === 'mean' ? mean : fillSpec.fill_null) : null;
    if (nulls > 0 && fill === null) {
      fill = mean;
      notes.push(`feature ${column.name} has ${nulls} nulls and no fill_null; filled with the training mean`);
    }
    const filled = new Float64Array(values.length);
    let filledSum = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      filled[i] = v === null || v === undefined ? toNumber(fill) : toNumber(v);
      filledSum += filled[i]!;
    }
    const m = filledSum / Math.max(1, filled.length);
    let squares = 0;
    for (const v of filled) squares += (v - m) ** 2;
    const variance = squares / Math.max(1, filled.length);
    return {
      name: column.name,
      kind: column.type === 'boolean' ? ('boolean' as const) : ('numeric' as const),
      fill,
      standardize: column.transforms.includes('standardize'),
      mean: m,
      std: Math.sqrt(variance) || 1,
      categories: [],
    };
  });
  return { encoded, notes };
}

export function inputWidth(encoded: readonly EncodedFeature[]): number {
  return encoded.reduce((sum, f) => sum + (f.kind === 'one_hot' ? f.categories.length : 1), 0);
}

/** Writes one row's encoded inputs at `offset` of `out`. */
export function encodeRow(encoded: readonly EncodedFeature[], row: Row, out: Float64Array, offset: number): void {
  let at = offset;
  for (const f of encoded) {
    const raw = row[f.name];
    const value = raw === null || raw === undefined ? f.fill : raw;
    if (f.kind === 'one_hot') {
      for (const category of f.categories) out[at++] = value !== null && String(value) === category ? 1 : 0;
      continue;
    }
    // Missing with no fill is NaN, as SQL's NULL: trees send it the way they learnt, other models give no number.
    const n = value === null || value === undefined ? Number.NaN : toNumber(value);
    out[at++] = f.standardize ? (n - f.mean) / f.std : n;
  }
}

/** The same encoding as SQL expressions over the feature columns, for scoring inside the warehouse. */
export function encodeSql(encoded: readonly EncodedFeature[], dialect: Dialect): string[] {
  const out: string[] = [];
  for (const f of encoded) {
    const column = dialect.identifier(f.name);
    if (f.kind === 'one_hot') {
      const text = dialect.cast(column, dialect.types.text);
      const value = f.fill === null ? text : `coalesce(${text}, ${dialect.literal(String(f.fill))})`;
      for (const category of f.categories) out.push(`CASE WHEN ${value} = ${dialect.literal(category)} THEN 1.0 ELSE 0.0 END`);
      continue;
    }
    const numeric = dialect.cast(column, dialect.types.double);
    const filled = f.fill === null ? numeric : `coalesce(${numeric}, ${sqlNumber(toNumber(f.fill))})`;
    out.push(f.standardize ? `((${filled} - ${sqlNumber(f.mean)}) / ${sqlNumber(f.std)})` : filled);
  }
  return out;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null || value === undefined) return 0;
  return Number(value);
}
