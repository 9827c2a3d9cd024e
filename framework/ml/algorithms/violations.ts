/**
 * Predicted threshold violations: forecast points whose value crosses a declared warning or
 * critical level. The point forecast decides (the interval would flag almost every step of a
 * noisy series as "possible"); each violation carries the probability that the actual crosses,
 * from the forecast's normal error distribution, so a consumer can rank or filter by it.
 */
import type { ForecastRow } from './forecast.js';

export interface Thresholds {
  direction: 'above' | 'below';
  warning?: number;
  critical?: number;
}

export interface Violation<E> {
  entity: E;
  ts: number;
  value: number;
  threshold: number;
  severity: 'warning' | 'critical';
  /** P(actual beyond the threshold) under the forecast's error distribution. */
  probability: number;
}

export function predictedViolations<E>(entity: E, forecast: readonly ForecastRow[], thresholds: Thresholds): Violation<E>[] {
  const beyond = (value: number, level: number) => (thresholds.direction === 'above' ? value >= level : value <= level);
  const levels = (['critical', 'warning'] as const).filter((severity) => thresholds[severity] !== undefined);
  const out: Violation<E>[] = [];
  for (const point of forecast) {
    const severity = levels.find((s) => beyond(point.value, thresholds[s]!));
    if (!severity) continue;
    const threshold = thresholds[severity]!;
    const z = point.sd > 0 ? (threshold - point.value) / point.sd : thresholds.direction === 'above' ? -Infinity : Infinity;
    out.push({
      entity,
      ts: point.ts,
      value: point.value,
      threshold,
      severity,
      probability: thresholds.direction === 'above' ? 1 - normalCdf(z) : normalCdf(z),
    });
  }
  return out;
}

/** Φ(z) by the complementary error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}
