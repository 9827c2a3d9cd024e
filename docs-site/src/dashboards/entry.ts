/**
 * dashboards.app.js: the dashboard view, forecast charts and ECharts, a bundle of their own that main.ts loads
 * when a dashboard is first opened, so the rest of the site does not parse a chart library.
 */
import { mountForecast } from './forecast.js';
import { DashboardView } from './view.js';

export interface DashboardsModule {
  DashboardView: typeof DashboardView;
  mountForecast: typeof mountForecast;
}

declare global {
  interface Window {
    platDashboards?: DashboardsModule;
  }
}

window.platDashboards = { DashboardView, mountForecast };
