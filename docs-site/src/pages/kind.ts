import type { IndexNode, NodeDetails } from '../../../framework/docs/types.js';
import { lineChart, rocChart } from '../charts.js';
import { escape } from '../render.js';

/** What only one kind of node has: a source's loader, a model's chart, ML metrics, a tool's parameters. */
export function kindDetails(node: IndexNode, details: NodeDetails, link: (id: string) => string): string {
  // biome-ignore lint/suspicious/noExplicitAny: each kind's details are a different JSON shape, read field by field
  const d = details.details as Record<string, any>;
  switch (node.kind) {
    case 'source':
      return `<h2>Loader</h2><p>${escape(d.loader)}${d.generator ? ` · ${d.generator.rows === undefined ? 'series' : `${d.generator.rows.toLocaleString()} rows`}, seed ${d.generator.seed}` : ''}</p>
        ${d.deadLetters !== null && d.deadLetters !== undefined ? `<p>dead letters: ${d.deadLetters}</p>` : ''}
        ${d.freshness ? `<p>freshness: ${escape(JSON.stringify(d.freshness))}</p>` : ''}`;
    case 'model':
      return d.chart ? `<h2>Latest data</h2><div id="chart">${lineChart(d.chart.points, d.chart.measures)}</div>` : '';
    case 'test':
      return `<p>${escape(d.testType)} test${d.attachedTo ? ` on ${link(d.attachedTo)}${d.column ? `.${escape(d.column)}` : ''}` : ''}, severity ${escape(d.severity)}${d.failures !== null ? `, ${d.failures} failing rows` : ''}</p>`;
    case 'ml_train': {
      const metrics = Object.entries(d.metrics ?? {}).filter(([, v]) => typeof v === 'number') as [string, number][];
      const matrix = d.metrics?.confusion_matrix as number[][] | undefined;
      const importance = Object.entries(d.metrics?.feature_importance ?? {}) as [string, number][];
      const byMetric = Object.entries(d.metrics?.by_metric ?? {}) as [string, Record<string, number>][];
      return `<h2>Model ${escape(d.version ?? 'not trained')}${d.promoted ? ' (promoted)' : ''}</h2>
        <table id="metrics">${metrics.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${v.toFixed(4)}</td></tr>`).join('')}</table>
        ${importance.length ? `<h2>Feature importance</h2><table id="importance">${importance.map(([k, v]) => `<tr><td>${escape(k)}</td><td>${(v * 100).toFixed(1)} %</td></tr>`).join('')}</table>` : ''}
        ${byMetric.length ? `<h2>Backtest per metric</h2><table id="backtest"><tr><th>metric</th><th>MAPE %</th><th>80 % coverage</th><th>95 % coverage</th></tr>${byMetric.map(([k, m]) => `<tr><td>${escape(k)}</td><td>${m.mape?.toFixed(2)}</td><td>${m.coverage_80?.toFixed(3)}</td><td>${m.coverage_95?.toFixed(3)}</td></tr>`).join('')}</table>` : ''}
        ${d.forecast?.length ? forecastSection(d.forecast) : ''}
        ${matrix ? `<h2>Confusion matrix</h2><table><tr><th>actual \\ predicted</th>${(d.classes ?? []).map((c: unknown) => `<th>${escape(c)}</th>`).join('')}</tr>${matrix.map((row, i) => `<tr><th>${escape(d.classes?.[i])}</th>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('')}</table>` : ''}
        ${d.roc ? `<h2>ROC curve</h2>${rocChart(d.roc, d.metrics?.roc_auc)}` : ''}
        <p class="muted">features: ${(d.features ?? []).map(escape).join(', ')}</p>`;
    }
    case 'ml_score':
      return `<p>predictions of ${escape(d.model)} ${escape(d.version ?? '')}</p>`;
    case 'agent_tool':
      return `<h2>Agent tool</h2><p>${d.builtin ? `built-in ${escape(d.builtin)}` : 'parameterized query'}${d.agents?.length ? ` · used by ${d.agents.map(escape).join(', ')}` : ''}${d.reads?.length ? ` · reads ${d.reads.map(escape).join(', ')}` : ''}</p>
        <h2>Parameters</h2><pre>${escape(JSON.stringify(d.parameters, null, 2))}</pre>`;
    case 'seed':
      return `<h2>Seed</h2><p>a CSV loaded by plat seed and plat build${
        Object.keys(d.columnTypes ?? {}).length
          ? ` · column types ${Object.entries(d.columnTypes)
              .map(([c, t]) => `${escape(c)} ${escape(t)}`)
              .join(', ')}`
          : ''
      }</p>`;
    case 'snapshot':
      return `<h2>Snapshot</h2><p>${escape(d.strategy)} strategy on ${d.uniqueKey.map(escape).join(', ')}${d.updatedAt ? ` · updated_at ${escape(d.updatedAt)}` : ''}${d.strategy === 'check' ? ` · check_cols ${escape(Array.isArray(d.checkCols) ? d.checkCols.join(', ') : d.checkCols)}` : ''}${d.invalidateHardDeletes ? ' · hard deletes close the current version' : ''}</p>
        <p class="muted">versions: plat_scd_id, plat_updated_at, plat_valid_from, plat_valid_to (null while current)</p>`;
    case 'endpoint':
      return `<h2>Endpoint</h2><p>POST ${escape(d.route)} · ${escape(d.endpointType)}</p><pre>${escape(JSON.stringify(d.request, null, 2))}</pre>`;
    case 'exposure':
      return `<h2>Exposure</h2><p>${escape(d.exposureType)}${d.url ? ` · <a href="${escape(d.url)}">${escape(d.url)}</a>` : ''}${d.owner?.name || d.owner?.email ? ` · owner ${escape([d.owner.name, d.owner.email].filter(Boolean).join(' '))}` : ''}</p>`;
  }
}

/** A forecast model's section: an entity picker above one chart per metric, drawn by the charts bundle once the page is in place. */
function forecastSection(series: { entity: string }[]): string {
  const entities = [...new Set(series.map((s) => s.entity))];
  return `<h2>Forecast</h2>
    <p><label>series <select id="forecast-entity">${entities.map((e) => `<option>${escape(e)}</option>`).join('')}</select></label>
    <span class="muted">history, then the forecast with its 80 % and 95 % intervals</span></p>
    <div id="forecast-charts"></div>`;
}
