import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { escape } from '../render.js';

use([LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, SVGRenderer]);

export interface ForecastSeries {
  entity: string;
  metric: string;
  history: [number, number][];
  forecast: number[][];
  thresholds: { direction: 'above' | 'below'; warning: number | null; critical: number | null } | null;
}

/** Draws the charts of the picked entity once the section is in the page, and again on each pick. */
export function mountForecast(root: HTMLElement, series: ForecastSeries[]): void {
  const picker = root.querySelector<HTMLSelectElement>('#forecast-entity');
  const holder = root.querySelector<HTMLElement>('#forecast-charts');
  if (!picker || !holder) return;
  const draw = () => {
    holder.innerHTML = '';
    for (const one of series.filter((s) => s.entity === picker.value)) {
      const box = document.createElement('div');
      box.className = 'forecast-chart';
      box.dataset.metric = one.metric;
      box.dataset.points = String(one.forecast.length);
      holder.append(box);
      init(box, null, { renderer: 'svg' }).setOption(option(one));
    }
    holder.dataset.entity = picker.value;
  };
  picker.addEventListener('change', draw);
  draw();
}

/**
 * Intervals are drawn as stacked areas: an invisible line at the lower bound with the band's
 * width stacked on it, the 95 % band under the 80 % one.
 */
function option(s: ForecastSeries) {
  const at = (i: number) => s.forecast.map((p) => [p[0], p[i]]);
  const band = (name: string, lower: number, upper: number, color: string) => [
    { name, type: 'line', stack: name, data: at(lower), lineStyle: { opacity: 0 }, itemStyle: { color }, symbol: 'none' },
    {
      name,
      type: 'line',
      stack: name,
      data: s.forecast.map((p) => [p[0], p[upper]! - p[lower]!]),
      lineStyle: { opacity: 0 },
      areaStyle: { color },
      itemStyle: { color },
      symbol: 'none',
    },
  ];
  const levels = s.thresholds
    ? (['warning', 'critical'] as const)
        .filter((level) => s.thresholds![level] !== null)
        .map((level) => ({ yAxis: s.thresholds![level], name: level, lineStyle: { color: level === 'critical' ? '#dc2626' : '#d97706' } }))
    : [];
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 52, bottom: 28 },
    legend: { top: 0, data: ['history', 'forecast', '80 % interval', '95 % interval'] },
    // The bands' series hold a bound and a width; the tooltip names the value and both intervals instead.
    tooltip: { trigger: 'axis', formatter: tooltip(s) },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: s.metric, scale: true, nameTextStyle: { align: 'left', padding: [0, 0, 0, -40] } },
    series: [
      ...band('95 % interval', 4, 5, 'rgba(37, 99, 235, 0.12)'),
      ...band('80 % interval', 2, 3, 'rgba(37, 99, 235, 0.25)'),
      { name: 'history', type: 'line', data: s.history, symbol: 'none', lineStyle: { color: '#475569' }, itemStyle: { color: '#475569' } },
      {
        name: 'forecast',
        type: 'line',
        data: at(1),
        symbol: 'none',
        lineStyle: { color: '#2563eb', type: 'dashed' },
        itemStyle: { color: '#2563eb' },
        markLine: levels.length ? { symbol: 'none', data: levels, label: { formatter: '{b}', position: 'insideEndTop' } } : undefined,
      },
    ],
  };
}

function tooltip(s: ForecastSeries) {
  const past = new Map(s.history.map(([t, v]) => [t, v]));
  const ahead = new Map(s.forecast.map((p) => [p[0]!, p]));
  const round = (v: number) => v.toFixed(2);
  return (items: { axisValue: number }[]) => {
    const t = items[0]?.axisValue ?? 0;
    const when = new Date(t).toISOString().slice(0, 16).replace('T', ' ');
    const p = ahead.get(t);
    if (p)
      return `${when}<br>forecast ${round(p[1]!)}<br>80 %: ${round(p[2]!)} – ${round(p[3]!)}<br>95 %: ${round(p[4]!)} – ${round(p[5]!)}`;
    const v = past.get(t);
    return v === undefined ? when : `${when}<br>${escape(s.metric)} ${round(v)}`;
  };
}
