/**
 * Nelder–Mead simplex minimisation (standard coefficients: reflection 1, expansion 2,
 * contraction ½, shrink ½), for the few smooth parameters of exponential smoothing where
 * gradients are not at hand. Deterministic: the start and steps fix the whole run.
 */
export interface MinimizeOptions {
  /** Initial simplex: the start plus `step` along each axis. */
  step: number;
  maxEvaluations: number;
  /** Stop when the simplex's values differ by less than this. */
  tolerance: number;
}

export function minimize(f: (p: number[]) => number, start: number[], options: MinimizeOptions): { point: number[]; value: number } {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + options.step : v)))].map((point) => ({
    point,
    value: f(point),
  }));
  let evaluations = simplex.length;
  const along = (from: number[], to: number[], t: number) => from.map((v, i) => v + t * (to[i]! - v));
  while (evaluations < options.maxEvaluations) {
    simplex.sort((a, b) => a.value - b.value);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.value - best.value) <= options.tolerance * (Math.abs(best.value) + 1e-12)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] = centroid[i]! + simplex[k]!.point[i]! / n;
    const evaluate = (point: number[]) => {
      evaluations++;
      return { point, value: f(point) };
    };
    const reflected = evaluate(along(worst.point, centroid, 2));
    if (reflected.value < best.value) {
      const expanded = evaluate(along(worst.point, centroid, 3));
      simplex[n] = expanded.value < reflected.value ? expanded : reflected;
    } else if (reflected.value < simplex[n - 1]!.value) {
      simplex[n] = reflected;
    } else {
      const outside = reflected.value < worst.value;
      const contracted = evaluate(along(worst.point, centroid, outside ? 1.5 : 0.5));
      if (contracted.value < (outside ? reflected.value : worst.value)) simplex[n] = contracted;
      else simplex = simplex.map((v, k) => (k === 0 ? v : evaluate(along(best.point, v.point, 0.5))));
    }
  }
  simplex.sort((a, b) => a.value - b.value);
  return simplex[0]!;
}
