import { describe, expect, it } from 'vitest';
import { lineChart } from '../docs-site/src/charts.js';

const hour = 3_600_000;

describe("a model page's chart (docs-site/src/charts.ts)", () => {
  it('draws a time series as a line, with a y-axis of ticks for each measure', () => {
    const svg = lineChart(
      [0, 1, 2, 3].map((h) => [h * hour, 10 * h, 1000 * h]),
      ['orders', 'revenue'],
    );
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).not.toContain('<circle');
    expect(svg.match(/class="y-axis"/g)).toHaveLength(2);
  });

  it('draws rows that share a time (a row per machine) as dots, not a line zigzagging up and down at that time', () => {
    const machines = [3, 9, 4, 12, 7];
    const svg = lineChart([...machines.map((v) => [0, v]), ...machines.map((v) => [hour, v + 1])], ['readings_24h']);
    expect(svg).not.toContain('<polyline');
    expect(svg.match(/<circle/g)).toHaveLength(10);
  });

  it('draws rows bunched within seconds of each other (the latest reading of each machine) as dots', () => {
    const latest = 80 * 60_000;
    const points = [
      [0, 600],
      [20 * 60_000, 650],
      [40 * 60_000, 640],
      ...[5, 9, 2, 7, 4, 8].map((v, k) => [latest - k * 2_000, 600 + v * 10]),
    ];
    const svg = lineChart(points, ['readings_24h']);
    expect(svg).not.toContain('<polyline');
    expect(svg.match(/<circle/g)).toHaveLength(points.length);
  });
});
