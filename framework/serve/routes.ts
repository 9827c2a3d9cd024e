import type { IncomingMessage } from 'node:http';
import { HttpError, jsonBody } from './http.js';

/** What a route handler gets: the request, its path's captured segments, and its JSON body when it reads one. */
export interface RouteRequest {
  request: IncomingMessage;
  params: string[];
  /** The body as a JSON object (415 unless application/json, 400 unless an object). */
  json: () => Promise<Record<string, unknown>>;
}

/**
 * One route of `plat serve`. The server is this table: a feature adds its routes with a line
 * (GET /v1/dashboards/:name → { method: 'GET', path: /^\/v1\/dashboards\/([^/]+)$/, handle }).
 */
export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose groups become `params`. */
  path: string | RegExp;
  /** Shown in the 404 that lists what there is. */
  shown: string;
  /** What the pattern's captured segment is, for the 400 when it is not valid percent-encoding ("tool name"). */
  segment?: string;
  /** Answered without the bearer token (GET /health). */
  public?: boolean;
  handle: (request: RouteRequest) => Promise<{ status: number; body: unknown }>;
}

/** The route for a method and path: 404 when no route has the path, 405 when none takes the method. */
export async function dispatch(
  routes: readonly Route[],
  request: IncomingMessage,
  path: string,
): Promise<{ status: number; body: unknown }> {
  const method = request.method ?? 'GET';
  const matching = routes.flatMap((route) => {
    if (typeof route.path === 'string') return route.path === path ? [{ route, params: [] as string[] }] : [];
    const match = route.path.exec(path);
    return match ? [{ route, params: match.slice(1).map((text) => decoded(text, route.segment ?? 'path segment')) }] : [];
  });
  if (matching.length === 0)
    throw new HttpError(404, `nothing at ${method} ${path}; see ${routes.map((r) => `${r.method} ${r.shown}`).join(', ')}`);
  const found = matching.find((m) => m.route.method === method);
  if (!found) {
    const allowed = [...new Set(matching.map((m) => m.route.method))].join(', ');
    throw new HttpError(405, `${path} takes ${allowed}`, { allow: allowed });
  }
  return found.route.handle({ request, params: found.params, json: () => jsonBody(request) });
}

/** Whether a path is one of the routes answered without a token. */
export function isPublic(routes: readonly Route[], path: string): boolean {
  return routes.some((r) => r.public && r.path === path);
}

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, `the ${what} ${text} is not valid percent-encoding`);
  }
}
