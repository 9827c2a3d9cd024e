/**
 * Additive Holt–Winters (ETS(A,A,A) in Hyndman et al.'s error-correction form) for one regular
 * series: level, trend and a season of `period` steps, each corrected by the one-step error:
 *   ŷ = l + b + s₋ₘ,  e = y − ŷ,  l ← l + b + αe,  b ← b + βe,  s ← s₋ₘ + γe.
 * α, β, γ and the initial level and trend minimise the sum of squared one-step errors
 * (Nelder–Mead, constrained 0 < α < 1, 0 < β < α, 0 < γ < 1 − α through logistic maps); the
 * initial season comes from a classical decomposition of the first cycles. With fewer than two
 * cycles of data the season is dropped (Holt's linear trend).
 *
 * Prediction intervals are the analytic ones for ETS(A,A,A) (Hyndman et al. 2008, table 6.1):
 * var(h) = σ²·(1 + Σⱼ₌₁^{h−1} (α + βj + γ·[j mod m = 0])²), with σ² the one-step error variance.
 */
import { minimize } from './nelder_mead.js';

export interface HoltWintersModel {
  alpha: number;
  beta: number;
  gamma: number;
  /** 0 when the series was too short for a season. */
  period: number;
  /** States after the last observation. */
  level: number;
  trend: number;
  /** season[k] applies to the k-th step after the last observation (mod period). */
  season: number[];
  /** One-step error variance: SSE / (n − parameters). */
  sigma2: number;
  observations: number;
}

export interface ForecastPoint {
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  /** Standard deviation of the forecast error at this horizon. */
  sd: number;
}

export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;

export function fitHoltWinters(y: readonly number[], period: number): HoltWintersModel {
  if (y.length < 3) throw new Error(`a series needs at least 3 observations to forecast, got ${y.length}`);
  const m = period >= 2 && y.length >= 2 * period ? period : 0;
  const initial = initialStates(y, m);
  const params = (p: number[]) => {
    const alpha = logistic(p[0]!);
    return {
      alpha,
      beta: alpha * logistic(p[1]!),
      gamma: m ? (1 - alpha) * logistic(p[2]!) : 0,
      level: initial.level + p[3]! * initial.scale,
      trend: initial.trend + (p[4]! * initial.scale) / Math.max(1, m),
    };
  };
  const sse = (p: number[]) => run(y, m, params(p), initial.season).sse;
  // Start at α = 0.5, β = α/10, γ = (1 − α)/10 — moderate smoothing, as statsmodels' defaults suggest.
  const { point } = minimize(sse, [0, -2.2, -2.2, 0, 0], { step: 0.5, maxEvaluations: 2000, tolerance: 1e-10 });
  const fitted = params(point);
  const final = run(y, m, fitted, initial.season);
  const parameters = 5 + Math.max(0, m - 1);
  return {
    alpha: fitted.alpha,
    beta: fitted.beta,
    gamma: fitted.gamma,
    period: m,
    level: final.level,
    trend: final.trend,
    season: final.season,
    sigma2: final.sse / Math.max(1, y.length - parameters),
    observations: y.length,
  };
}

export function forecastHoltWinters(model: HoltWintersModel, horizon: number): ForecastPoint[] {
  const { alpha, beta, gamma, period } = model;
  const out: ForecastPoint[] = [];
  let accumulated = 1;
  for (let h = 1; h <= horizon; h++) {
    if (h > 1) {
      const j = h - 1;
      const c = alpha + beta * j + (period && j % period === 0 ? gamma : 0);
      accumulated += c * c;
    }
    const value = model.level + h * model.trend + (period ? model.season[(h - 1) % period]! : 0);
    const sd = Math.sqrt(model.sigma2 * accumulated);
    out.push({ value, lower80: value - Z80 * sd, upper80: value + Z80 * sd, lower95: value - Z95 * sd, upper95: value + Z95 * sd, sd });
  }
  return out;
}

interface States {
  alpha: number;
  beta: number;
  gamma: number;
  level: number;
  trend: number;
}

/** Runs the recursions over the series; `season` is the initial cycle (oldest first). */
function run(
  y: readonly number[],
  m: number,
  s: States,
  initialSeason: readonly number[],
): { sse: number; level: number; trend: number; season: number[] } {
  const season = m ? initialSeason.slice() : [];
  let { level, trend } = s;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const k = m ? t % m : 0;
    const seasonal = m ? season[k]! : 0;
    const error = y[t]! - (level + trend + seasonal);
    sse += error * error;
    level = level + trend + s.alpha * error;
    trend = trend + s.beta * error;
    if (m) season[k] = seasonal + s.gamma * error;
  }
  // Rotate so index 0 is the season of the first step after the series.
  const next = m ? y.length % m : 0;
  return { sse, level, trend, season: m ? [...season.slice(next), ...season.slice(0, next)] : [] };
}

/**
 * Level and trend from a line through the first cycles' means, the season from their average
 * deviation from a centred moving average (classical decomposition), centred on zero. `level`
 * is the state before the first observation; `scale` sizes the optimiser's steps on it.
 */
function initialStates(y: readonly number[], m: number): { level: number; trend: number; season: number[]; scale: number } {
  const spread = Math.sqrt(y.reduce((a, v) => a + (v - mean(y)) ** 2, 0) / y.length) || 1;
  if (!m) {
    const k = Math.min(y.length, 10);
    const trend = (y[k - 1]! - y[0]!) / (k - 1);
    return { level: y[0]! - trend, trend, season: [], scale: spread };
  }
  const cycles = Math.min(Math.floor(y.length / m), 4);
  const means = Array.from({ length: cycles }, (_, c) => mean(y.slice(c * m, (c + 1) * m)));
  const trend = (means[cycles - 1]! - means[0]!) / ((cycles - 1) * m);
  const deviations = Array.from({ length: m }, () => [] as number[]);
  const half = Math.floor(m / 2);
  for (let t = half; t + half < cycles * m; t++) {
    // A 2×m moving average for even m (half weights at both ends), a plain m one for odd m.
    let sum = 0;
    for (let j = -half; j <= half; j++) sum += (m % 2 === 0 && Math.abs(j) === half ? 0.5 : 1) * y[t + j]!;
    deviations[t % m]!.push(y[t]! - sum / m);
  }
  const raw = deviations.map((d) => (d.length ? mean(d) : 0));
  const centre = mean(raw);
  const season = raw.map((v) => v - centre);
  // The first cycle's mean sits at its middle, (m − 1) / 2 steps after the first observation.
  const level = means[0]! - trend * ((m - 1) / 2 + 1);
  return { level, trend, season, scale: spread };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, v) => a + v, 0) / Math.max(1, values.length);
}

function logistic(u: number): number {
  return 1 / (1 + Math.exp(-u));
}
