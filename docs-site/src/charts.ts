import { escape } from './render.js';

const COLORS = ['#2563eb', '#16a34a', '#d97706'];

/**
 * A model's latest data over time: one small chart per measure, one above the other, each with a
 * y-axis of its own (measures differ by orders of magnitude, so one shared axis would flatten all
 * but the largest) and the time axis under the last. Rows bunched at a few times are several
 * things at about that time (a row per machine), not a series: they are drawn as dots, since a
 * line through them would zigzag up and down where they bunch.
 */
export function lineChart(points: number[][], names: string[], width = 460): string {
  if (points.length < 2) return '';
  const xs = points.map((p) => p[0]!);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const sorted = [...xs].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((x, k) => x - sorted[k]!);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
  // A series is spread over its range: half its steps at least a quarter of the even step.
  const series = median > 0 && median >= (x1 - x0) / gaps.length / 4;
  return names
    .map((name, s) => seriesChart(points, s, name, COLORS[s % COLORS.length]!, [x0, x1], width, s === names.length - 1, series))
    .join('');
}

function seriesChart(
  points: number[][],
  s: number,
  name: string,
  color: string,
  [x0, x1]: [number, number],
  width: number,
  timeAxis: boolean,
  series: boolean,
): string {
  const height = timeAxis ? 128 : 108;
  const plot = { left: 58, right: width - 12, top: 22, bottom: height - (timeAxis ? 26 : 8) };
  const ys = points.map((p) => p[s + 1]!);
  const ticks = niceTicks(Math.min(0, ...ys), Math.max(...ys));
  const [low, high] = [ticks[0]!, ticks[ticks.length - 1]!];
  const xOf = (x: number) => plot.left + ((x - x0) / (x1 - x0 || 1)) * (plot.right - plot.left);
  const yOf = (y: number) => plot.bottom - ((y - low) / (high - low || 1)) * (plot.bottom - plot.top);
  const data = series
    ? `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map((p) => `${xOf(p[0]!).toFixed(1)},${yOf(p[s + 1]!).toFixed(1)}`).join(' ')}"/>`
    : `<g class="dots" fill="${color}">${points.map((p) => `<circle cx="${xOf(p[0]!).toFixed(1)}" cy="${yOf(p[s + 1]!).toFixed(1)}" r="2"/>`).join('')}</g>`;
  const axis = ticks
    .map(
      (t) =>
        `<line x1="${plot.left}" x2="${plot.right}" y1="${yOf(t).toFixed(1)}" y2="${yOf(t).toFixed(1)}" class="grid"/><text x="${plot.left - 6}" y="${(yOf(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${compact(t)}</text>`,
    )
    .join('');
  const time = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
  const timeLabels = timeAxis
    ? `<g class="x-axis"><text x="${plot.left}" y="${height - 6}">${time(x0)}</text><text x="${plot.right}" y="${height - 6}" text-anchor="end">${time(x1)}</text></g>`
    : '';
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" class="chart" role="img" aria-label="${escape(name)} over time">
    <text x="${plot.left}" y="14" class="series" fill="${color}">${escape(name)}</text>
    <g class="y-axis">${axis}<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" class="axis"/></g>
    ${data}${timeLabels}</svg>`;
}

/** Three to six round tick values from at most `low` to at least `high`. */
export function niceTicks(low: number, high: number): number[] {
  if (high === low) high = low + 1;
  const rough = (high - low) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= rough)!;
  const ticks: number[] = [];
  for (let t = Math.floor(low / step) * step; t < high + step - 1e-9 * step; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const compact = (value: number) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(value);

export function rocChart(points: [number, number][], auc: number | undefined): string {
  const size = 200;
  const line = points.map(([x, y]) => `${(20 + x * (size - 30)).toFixed(1)},${(size - 20 - y * (size - 30)).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${size} ${size}" width="220" role="img" aria-label="ROC curve"><rect x="20" y="10" width="${size - 30}" height="${size - 30}" fill="none" stroke="#e5e7eb"/><line x1="20" y1="${size - 20}" x2="${size - 10}" y2="10" stroke="#cbd5e1" stroke-dasharray="4"/><polyline fill="none" stroke="#2563eb" stroke-width="2" points="${line}"/><text x="24" y="24">ROC-AUC ${auc?.toFixed(3) ?? ''}</text><text x="${size / 2 - 30}" y="${size - 4}">false positives</text></svg>`;
}
