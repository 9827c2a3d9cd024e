/**
 * The charts of a dashboard, drawn by Apache ECharts: only the chart kinds and components used
 * here are registered, so esbuild bundles those and leaves the rest of the library out.
 */
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartData } from '../../../framework/docs/dashboard-types.js';
import { type ChartPoints, formatValue, timeLabel } from './model.js';

echarts.use([
  BarChart,
  LineChart,
  HeatmapChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export type EChart = echarts.ECharts;

export function createChart(element: HTMLElement): EChart {
  return echarts.init(element, null, { renderer: 'canvas' });
}

const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#9333ea', '#0891b2', '#dc2626', '#64748b', '#db2777', '#65a30d', '#ea580c'];
const THRESHOLD_COLORS = { warning: '#d97706', critical: '#dc2626' };

/** The ECharts option of a line, bar, stacked or heatmap chart over its (filtered) points. */
export function chartOption(chart: ChartData, points: ChartPoints): echarts.EChartsCoreOption {
  const isTimeX = chart.fields.find((f) => f.name === chart.x)?.type === 'time';
  const format = (value: unknown) =>
    formatValue(typeof value === 'number' ? value : value === null ? null : Number(value), chart.format, chart.unit);
  const label = (value: unknown) => (isTimeX && typeof value === 'number' ? timeLabel(value) : String(value));
  const categories = points.xs.map(label);
  const base = {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
  };
  if (chart.kind === 'heatmap') {
    const ys = points.series.map((s) => s.name);
    const cells: [number, number, number][] = [];
    points.series.forEach((s, yi) => s.values.forEach((v, xi) => v !== null && cells.push([xi, yi, v])));
    const values = cells.map((c) => c[2]);
    return {
      ...base,
      tooltip: {
        position: 'top',
        formatter: (p: { value: [number, number, number] }) =>
          `${categories[p.value[0]]} · ${ys[p.value[1]]}<br><b>${format(p.value[2])}</b>`,
      },
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: 'category', data: categories, splitArea: { show: true } },
      yAxis: { type: 'category', data: ys, splitArea: { show: true } },
      visualMap: {
        min: values.length ? Math.min(...values) : 0,
        max: values.length ? Math.max(...values) : 1,
        calculable: true,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 120,
        inRange: { color: ['#eff6ff', '#60a5fa', '#1d4ed8'] },
        formatter: (v: number) => format(v),
      },
      series: [{ type: 'heatmap', name: chart.title, data: cells, emphasis: { itemStyle: { borderColor: '#111', borderWidth: 1 } } }],
    };
  }
  const stacked = chart.kind === 'stacked_bar' || chart.kind === 'stacked_area';
  const type = chart.kind === 'line' || chart.kind === 'stacked_area' ? 'line' : 'bar';
  // A line over time keeps its real spacing on a time axis; the others use one category per x.
  const timeAxis = chart.kind === 'line' && isTimeX;
  const marks = thresholdLines(chart);
  const series = points.series.map((s, i) => ({
    type,
    name: s.name || chart.title,
    data: timeAxis
      ? s.values.flatMap((v, xi) => (v === null ? [] : [[points.xs[xi], v]]))
      : s.values.map((v) => (stacked && v === null ? 0 : v)),
    stack: stacked ? 'total' : undefined,
    areaStyle: chart.kind === 'stacked_area' ? { opacity: 0.6 } : undefined,
    // A line of a few points (a filter down to one day) shows them as dots, or it would not show at all.
    showSymbol: points.xs.length <= 31,
    connectNulls: false,
    emphasis: { focus: 'series' },
    markLine: i === 0 && marks.length ? { symbol: 'none', silent: true, data: marks } : undefined,
  }));
  const many = categories.length > 12;
  return {
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: format, axisPointer: { type: type === 'bar' ? 'shadow' : 'line' } },
    legend: { type: 'scroll', top: 0, show: series.length > 1 || marks.length > 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: timeAxis
      ? { type: 'time', axisLabel: { hideOverlap: true } }
      : {
          type: 'category',
          data: categories,
          axisLabel: { rotate: categories.length > 24 ? 90 : many ? 40 : 0, hideOverlap: true, fontSize: 11 },
        },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: format },
      scale: chart.format !== 'percent' && type === 'line' && !stacked,
      // Whole numbers get whole ticks: an axis of zeros reads 0, 1, not 0 min, 0 min, 1 min.
      minInterval: chart.format === 'integer' ? 1 : undefined,
    },
    series,
  };
}

function thresholdLines(chart: ChartData): { yAxis: number; name: string; lineStyle: { color: string; type: string }; label: object }[] {
  if (!chart.thresholds) return [];
  const lines = [];
  for (const level of ['warning', 'critical'] as const) {
    const value = chart.thresholds[level];
    if (value === null) continue;
    lines.push({
      yAxis: value,
      name: level,
      lineStyle: { color: THRESHOLD_COLORS[level], type: 'dashed' },
      label: {
        formatter: `${level} ${formatValue(value, chart.format, chart.unit)}`,
        position: 'insideEndTop',
        color: THRESHOLD_COLORS[level],
      },
    });
  }
  return lines;
}
