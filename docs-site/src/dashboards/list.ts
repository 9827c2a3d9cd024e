import { escape } from '../render.js';

declare global {
  interface Window {
    /** dashboards.js: each dashboard's name, title and description. */
    __PLAT_DASHBOARDS__?: { name: string; title: string; description: string; charts: number }[];
  }
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
