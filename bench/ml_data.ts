/**
 * Generated data for the ML algorithm bench and tests: the same seed gives the same rows, so
 * plat and the Python reference see identical numbers (written as raw little-endian doubles).
 */
import { seededRandom } from '../framework/core/random.js';

export interface Dataset {
  x: Float64Array;
  rows: number;
  width: number;
}

export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Standard normal features; some columns get NaN at `missingRate`. */
export function features(rows: number, width: number, seed: number, missingRate = 0): Dataset {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const x = new Float64Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = missingRate > 0 && random() < missingRate ? NaN : normal();
  return { x, rows, width };
}

/** A nonlinear score of the first seven features: interactions, a step, a sine, a square. */
function signal(x: Float64Array, i: number, width: number): number {
  const v = (j: number) => {
    const value = x[i * width + j]!;
    return Number.isNaN(value) ? 0 : value;
  };
  return 1.2 * v(0) - v(1) + 0.9 * v(2) * v(3) + 1.2 * Math.sin(2 * v(4)) + (v(5) > 0.5 ? 1.3 : -0.4) + 0.5 * v(6) * v(6) - 0.3;
}

/** Binary labels: the signal plus unit Gaussian noise, above zero. */
export function binaryData(rows: number, width: number, seed: number, missingRate = 0): Dataset & { y: Int32Array } {
  const data = features(rows, width, seed, missingRate);
  const normal = gaussian(seededRandom(seed + 1));
  const y = Int32Array.from({ length: rows }, (_, i) => (signal(data.x, i, width) + normal() > 0 ? 1 : 0));
  return { ...data, y };
}

/** Three classes cut from the noisy signal at two levels. */
export function multiclassData(rows: number, width: number, seed: number): Dataset & { y: Int32Array } {
  const data = features(rows, width, seed);
  const normal = gaussian(seededRandom(seed + 1));
  const y = Int32Array.from({ length: rows }, (_, i) => {
    const s = signal(data.x, i, width) + 0.5 * normal();
    return s < -0.5 ? 0 : s < 1 ? 1 : 2;
  });
  return { ...data, y };
}

export function regressionData(rows: number, width: number, seed: number, missingRate = 0): Dataset & { y: Float64Array } {
  const data = features(rows, width, seed, missingRate);
  const normal = gaussian(seededRandom(seed + 1));
  const y = Float64Array.from({ length: rows }, (_, i) => 10 + 3 * signal(data.x, i, width) + normal());
  return { ...data, y };
}

/**
 * Normal operating points (pairs of sensors following a shared load) with a share of anomalies:
 * two sensors spiking 5–8 standard deviations further from zero; `y` marks the anomalies.
 */
export function anomalyData(rows: number, width: number, seed: number, anomalyRate: number): Dataset & { y: Int32Array } {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const x = new Float64Array(rows * width);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const load = normal();
    for (let j = 0; j < width; j++) x[i * width + j] = (j % 2 === 0 ? load : 0.8 * load) + 0.3 * normal();
    if (random() < anomalyRate) {
      y[i] = 1;
      for (let k = 0; k < 2; k++) {
        const j = Math.floor(random() * width);
        x[i * width + j] = x[i * width + j]! + (x[i * width + j]! < 0 ? -1 : 1) * (5 + 3 * random());
      }
    }
  }
  return { x, rows, width, y };
}

/**
 * One series: level + trend·t + a seasonal shape + Gaussian noise (sd `noise`), always positive
 * so MAPE is meaningful.
 */
export function seasonalSeries(length: number, period: number, seed: number, noise = 2): number[] {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const level = 80 + 40 * random();
  const trend = (random() - 0.3) * 0.1;
  const amplitude = 5 + 10 * random();
  const phase = random() * 2 * Math.PI;
  return Array.from(
    { length },
    (_, t) =>
      level +
      trend * t +
      amplitude * Math.sin((2 * Math.PI * t) / period + phase) +
      0.4 * amplitude * Math.sin((4 * Math.PI * t) / period) +
      noise * normal(),
  );
}
