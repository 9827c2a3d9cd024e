import type { ChartData, DashboardData } from '../../../framework/docs/dashboard-types.js';
import { escape } from '../render.js';
import { chartOption, createChart, type EChart } from './echarts.js';
import { chartPoints, type FilterState, filteredRows, formatValue, newestOf, thresholdState, timeLabel } from './model.js';

const TIME_OPTIONS: [string, string][] = [
  ['', 'All time'],
  ['30d', 'Last 30 days'],
  ['7d', 'Last 7 days'],
  ['24h', 'Last 24 hours'],
];

/** One dashboard on the page: its filter bar, KPI tiles and tables as HTML, the other charts as ECharts instances. */
export class DashboardView {
  readonly charts = new Map<string, EChart>();
  readonly state: FilterState = {};
  private data: DashboardData | null = null;
  private newest: Record<string, number> = {};
  private readonly resize = () => this.charts.forEach((chart) => chart.resize());

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', this.resize);
  }

  get current(): DashboardData | null {
    return this.data;
  }

  show(data: DashboardData): void {
    this.close();
    this.data = data;
    this.newest = newestOf(data);
    for (const key of Object.keys(this.state)) delete this.state[key];
    this.container.innerHTML = `<div class="dash-head">
        <h1>${escape(data.title)}</h1>
        <p>${escape(data.description)}</p>
        <p class="muted">Data as of ${escape(data.generatedAt.slice(0, 16).replace('T', ' '))} UTC ·
          <a href="#node=${encodeURIComponent(data.exposure)}">lineage</a> · <a href="#dashboards">all dashboards</a></p>
      </div>
      <form class="dash-filters" aria-label="Filters">${data.filters.map((f) => filterControl(f)).join('')}</form>
      ${data.rows
        .map(
          (row) =>
            `<section class="dash-row">${row.title ? `<h2>${escape(row.title)}</h2>` : ''}<div class="dash-grid">${row.charts
              .map((chart) => card(chart))
              .join('')}</div></section>`,
        )
        .join('')}`;
    for (const chart of data.rows.flatMap((r) => r.charts)) {
      if (chart.kind === 'kpi' || chart.kind === 'table' || chart.error) continue;
      const element = this.container.querySelector<HTMLElement>(`[data-chart="${chart.id}"] .dash-canvas`)!;
      if (chart.kind === 'heatmap') element.style.height = `${Math.max(300, new Set(chartValues(chart, chart.series)).size * 15 + 110)}px`;
      this.charts.set(chart.id, createChart(element));
    }
    this.container.querySelectorAll<HTMLSelectElement>('select[data-filter]').forEach((select) =>
      select.addEventListener('change', () => {
        const name = select.dataset.filter!;
        this.state[name] = select.multiple ? Array.from(select.selectedOptions, (o) => o.value) : select.value;
        this.draw();
      }),
    );
    this.draw();
  }

  /** Every chart again, from its rows that pass the filters. */
  draw(): void {
    const data = this.data;
    if (!data) return;
    for (const chart of data.rows.flatMap((r) => r.charts)) {
      if (chart.error) continue;
      const points = chartPoints(chart, filteredRows(chart, data, this.state, this.newest));
      const card = this.container.querySelector<HTMLElement>(`[data-chart="${chart.id}"]`)!;
      if (chart.kind === 'kpi') {
        const value = card.querySelector<HTMLElement>('.kpi-value')!;
        value.textContent = formatValue(points.total, chart.format, chart.unit);
        value.dataset.value = String(points.total);
        card.dataset.state = thresholdState(points.total, chart.thresholds);
      } else if (chart.kind === 'table') {
        card.querySelector('tbody')!.innerHTML = points.table
          .map((row) => `<tr>${row.map((value, i) => `<td>${cell(chart, i, value)}</td>`).join('')}</tr>`)
          .join('');
        card.dataset.rows = String(points.table.length);
      } else this.charts.get(chart.id)!.setOption(chartOption(chart, points), { notMerge: true });
    }
    performance.mark('plat:dashboard-drawn');
  }

  close(): void {
    for (const chart of this.charts.values()) chart.dispose();
    this.charts.clear();
    this.data = null;
  }
}

function chartValues(chart: ChartData, field: string | null): unknown[] {
  const i = chart.fields.findIndex((f) => f.name === field);
  return i < 0 ? [] : chart.rows.map((row) => row[i]);
}

function filterControl(filter: DashboardData['filters'][number]): string {
  const id = `filter-${escape(filter.name)}`;
  const options =
    filter.kind === 'time_range'
      ? TIME_OPTIONS.map(([value, label]) => `<option value="${value}">${label}</option>`).join('')
      : `${filter.kind === 'select' ? `<option value="">All</option>` : ''}${filter.options
          .map((o) => `<option value="${escape(o)}">${escape(o)}</option>`)
          .join('')}`;
  const multiple =
    filter.kind === 'multi' ? ` multiple size="${Math.min(4, Math.max(2, filter.options.length))}" title="none chosen: all"` : '';
  return `<label for="${id}">${escape(filter.label)}<select id="${id}" data-filter="${escape(filter.name)}"${multiple}>${options}</select></label>`;
}

function card(chart: ChartData): string {
  const head = `<h3>${escape(chart.title)}</h3>`;
  const note = chart.truncated ? `<p class="muted dash-note">the first ${chart.rows.length.toLocaleString('en-US')} rows</p>` : '';
  const attributes = `class="dash-card dash-${chart.kind}" data-chart="${chart.id}" data-kind="${chart.kind}" style="grid-column: span ${chart.width}"`;
  if (chart.error) return `<div ${attributes}>${head}<p class="status s-error">${escape(chart.error)}</p></div>`;
  if (chart.kind === 'kpi') return `<div ${attributes}>${head}<div class="kpi-value"></div></div>`;
  if (chart.kind === 'table')
    return `<div ${attributes}>${head}<div class="dash-table"><table><thead><tr>${chart.columns
      .map((c) => `<th>${escape(c)}</th>`)
      .join('')}</tr></thead><tbody></tbody></table></div>${note}</div>`;
  return `<div ${attributes}>${head}<div class="dash-canvas"></div>${note}</div>`;
}

/** A table cell: times as dates, the order_by column (the measure) formatted and coloured by the thresholds. */
function cell(chart: ChartData, index: number, value: string | number | boolean | null): string {
  const column = chart.columns[index]!;
  const field = chart.fields.find((f) => f.name === column);
  if (value === null) return '<span class="muted">–</span>';
  if (field?.type === 'time' && typeof value === 'number') return escape(timeLabel(value));
  if (typeof value === 'number') {
    const measure = column === chart.orderBy;
    const text = measure ? formatValue(value, chart.format, chart.unit) : formatValue(value, 'number', '');
    const state = measure ? thresholdState(value, chart.thresholds) : '';
    return state ? `<span class="dash-${state}">${escape(text)}</span>` : escape(text);
  }
  return escape(value);
}
