/** What the site needs of dashboards before their bundle (ECharts) loads: the list page, and the data loader. */
import type { DashboardData } from '../../../framework/docs/dashboard-types.js';
import { escape } from '../render.js';

declare global {
  interface Window {
    /** dashboards.js: each dashboard's name, title and description. */
    __PLAT_DASHBOARDS__?: { name: string; title: string; description: string; charts: number }[];
    /** Called by dashboards/<name>.js with its data. */
    __PLAT_DASHBOARD_DATA__?: (data: DashboardData) => void;
  }
}

/**
 * Loads a dashboard's data: from the server while there is one (GET /v1/dashboards/<name>, renewed
 * after each build under plat dev), else the snapshot written at generation (dashboards/<name>.js,
 * a script so that file:// works).
 */
export async function loadDashboard(name: string): Promise<DashboardData> {
  if (location.protocol.startsWith('http')) {
    const response = await fetch(`/v1/dashboards/${encodeURIComponent(name)}`).catch(() => null);
    if (response?.ok) return (await response.json()) as DashboardData;
  }
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    window.__PLAT_DASHBOARD_DATA__ = (data) => {
      script.remove();
      resolve(data);
    };
    script.onerror = () => reject(new Error(`dashboards/${name}.js did not load: generate the site again (plat docs generate)`));
    script.src = `dashboards/${encodeURIComponent(name)}.js`;
    document.head.append(script);
  });
}

/** The Dashboards page: each dashboard's title and description. */
export function dashboardsList(): string {
  const list = window.__PLAT_DASHBOARDS__ ?? [];
  return `<div class="dash-head"><h1>Dashboards</h1><p class="muted">Declared in dashboards/*.yml; each is an exposure in the lineage graph, downstream of the models it reads.</p></div>
    ${
      list.length
        ? `<ul class="dash-list">${list
            .map(
              (d) =>
                `<li><a href="#dashboard=${encodeURIComponent(d.name)}">${escape(d.title)}</a> <span class="muted">${d.charts} charts</span><p>${escape(d.description)}</p></li>`,
            )
            .join('')}</ul>`
        : '<p class="muted">None: add dashboards/&lt;name&gt;.yml to the project.</p>'
    }`;
}
