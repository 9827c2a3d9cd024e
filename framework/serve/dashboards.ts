import type { Manifest } from '../compile/manifest.js';
import { dashboardByName } from '../docs/dashboards.js';
import { didYouMean } from '../core/suggest.js';
import { HttpError } from './http.js';
import type { Route } from './routes.js';
import type { ServingData } from './snapshot.js';

/**
 * GET /v1/dashboards and /v1/dashboards/:name under `plat serve`: the same JSON as the docs
 * site's snapshot, read from the newest published copy, so each build or micro-batch shows.
 */
export function dashboardRoutes(manifest: Manifest, data: ServingData): Route[] {
  const names = Object.keys(manifest.dashboards);
  return [
    {
      method: 'GET',
      path: '/v1/dashboards',
      shown: '/v1/dashboards',
      handle: async () => ({
        status: 200,
        body: { dashboards: Object.values(manifest.dashboards).map((d) => ({ name: d.name, title: d.title, description: d.description })) },
      }),
    },
    {
      method: 'GET',
      path: /^\/v1\/dashboards\/([^/]+)$/,
      shown: '/v1/dashboards/:name',
      segment: 'dashboard name',
      handle: async ({ params }) => {
        const name = params[0]!;
        const found = await data.use((snapshot) => dashboardByName(manifest, snapshot.connection, name, new Date()));
        if (!found) {
          const hint = didYouMean(name, names);
          throw new HttpError(404, `no dashboard "${name}"${hint ? ` (${hint})` : ''}; GET /v1/dashboards lists them`);
        }
        return { status: 200, body: found };
      },
    },
  ];
}
