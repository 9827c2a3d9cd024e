import type { EndpointNode, PredictServe, ServedPrediction } from '../compile/manifest.js';
import { didYouMean } from '../core/suggest.js';
import type { FactorSpec } from '../project/spec.js';
import type { Row } from '../warehouse/types.js';
import { HttpError } from './http.js';
import type { Snapshot } from './snapshot.js';

interface Contribution {
  feature: string;
  value: unknown;
  contribution: number;
}

/**
 * POST /v1/predict: the entity's row of the chosen prediction as it stands in the database
 * (predictions_<model>, as the endpoint's SQL finds it), with its risk level and action from
 * the declared bands and its contributions worded as sentences.
 */
export async function predict(
  endpoint: EndpointNode,
  snapshot: Snapshot,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const serve = endpoint.serve as PredictServe;
  const choice = serve.choose ? String(input[serve.choose]) : Object.keys(serve.predictions)[0]!;
  const prediction = serve.predictions[choice]!;
  const rows = snapshot.predictions.get(`${endpoint.name}/${choice}`)!;
  const key = String(input[serve.key]);
  const row = rows.get(key);
  if (!row)
    throw new HttpError(
      404,
      `no ${serve.key} "${key}" among the predictions of ${prediction.model}`,
      {},
      { hint: didYouMean(key, rows.keys()) ?? `${rows.size} ${serve.key}s have one` },
    );
  const score = row[prediction.score];
  const band = bandOf(prediction, score);
  const echoed = Object.fromEntries(Object.keys(input).map((name) => [name, input[name]]));
  return {
    ...echoed,
    [prediction.output]: score ?? null,
    ...Object.fromEntries(Object.entries(prediction.fields).map(([field, column]) => [field, answered(column, row[column])])),
    risk_level: band?.level ?? null,
    contributing_factors: factorsOf(prediction, row),
    recommended_action: band?.action ?? null,
    model: { name: prediction.model, version: row.model_version ?? null },
    scored_at: row.scored_at ?? null,
    data_as_of: snapshot.publishedAt,
  };
}

/** Columns scoring writes as JSON text (a multiclass model's `probabilities`) are answered as JSON. */
function answered(column: string, value: unknown): unknown {
  if (column === 'probabilities' && typeof value === 'string') return JSON.parse(value) as Record<string, number>;
  return value ?? null;
}

/** The first declared band the score falls in. */
function bandOf(prediction: ServedPrediction, score: unknown) {
  return prediction.bands.find((band) => {
    if (band.values) return band.values.some((v) => v === score || String(v) === String(score));
    if (band.min !== undefined) return typeof score === 'number' && score >= band.min;
    return true;
  });
}

/** The contributions that raised the prediction, largest first, each worded by its feature's template. */
export function factorsOf(prediction: ServedPrediction, row: Row): string[] {
  let contributions: Contribution[];
  try {
    contributions = typeof row.contributions === 'string' ? (JSON.parse(row.contributions) as Contribution[]) : [];
  } catch {
    contributions = [];
  }
  return contributions
    .filter((c) => c.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution)
    .map((c) => sentence(c, prediction.factors[c.feature], row));
}

function sentence(c: Contribution, factor: FactorSpec | undefined, row: Row): string {
  const words = c.feature.replace(/_/g, ' ');
  if (!factor)
    return `${words[0]!.toUpperCase()}${words.slice(1)} at ${typeof c.value === 'number' ? format(c.value, 2) : String(c.value)}`;
  const scale = factor.divide_by ?? 1;
  const decimals = factor.decimals ?? 1;
  const value = typeof c.value === 'number' ? c.value / scale : null;
  const declared = typeof factor.reference === 'string' ? row[factor.reference] : factor.reference;
  const reference = typeof declared === 'number' ? declared / scale : null;
  const above = value !== null && reference !== null && value >= reference;
  const template =
    (value !== null && reference !== null ? (above ? factor.above : factor.below) : undefined) ??
    factor.text ??
    factor.above ??
    factor.below ??
    `${words} at {value}`;
  const difference = value !== null && reference !== null ? Math.abs(value - reference) : null;
  const change = difference !== null && reference ? (100 * difference) / Math.abs(reference) : null;
  const filled: Record<string, string> = {
    value: value === null ? String(c.value) : format(value, decimals),
    reference: reference === null ? '' : format(reference, decimals),
    difference: difference === null ? '' : format(difference, decimals),
    change: change === null ? '' : format(change, 0),
    direction: value === null ? '' : (reference !== null ? above : value >= 0) ? 'upward' : 'downward',
    feature: words,
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => filled[name] ?? whole);
}

/** At most `decimals` decimals, trailing zeros dropped: 12, 0.25, 45. */
export function format(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}
