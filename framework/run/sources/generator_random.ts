import { seededRandom } from '../../core/random.js';

/** FNV-1a: turns a seed and a name into the seed of a stream of its own. */
export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A stream of its own per purpose and entity: what one entity draws does not shift another's,
 * so a table that declares fewer fields (a labels table) or no bad rows still draws the same
 * values for the fields it shares.
 */
export function streamOf(seed: number, ...names: string[]): () => number {
  return seededRandom(hashString(`${seed}:${names.join(':')}`));
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Standard normal draws from one stream, both of each Box–Muller pair used (a series draws
 * millions: this halves the logarithms and square roots).
 */
export function gaussians(random: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = Number.NaN;
      return v;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

export function uniform(random: () => number, min: number, max: number): number {
  return min + random() * (max - min);
}

/** Γ(z) for z > 0 (Lanczos, g = 7): the mean of a Weibull life is scale × Γ(1 + 1/shape). */
export function gamma(z: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.PI / (Math.sin(Math.PI * z) * gamma(1 - z));
  const x = z - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (x + i);
  const t = x + 7.5;
  return Math.sqrt(2 * Math.PI) * t ** (x + 0.5) * Math.exp(-t) * sum;
}
