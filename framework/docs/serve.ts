import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { listen, type Listening } from '../core/listen.js';
import type { DashboardData } from './dashboard-types.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves target/docs on 127.0.0.1, to pages of its own only (see core/listen.ts). Open pages
 * hold a Server-Sent Events stream and reload when data.js is rewritten (plat docs generate,
 * or a rebuild in plat dev).
 */
export async function serveDocs(
  dir: string,
  port: number,
  options: { dashboards?: () => Record<string, DashboardData> } = {},
): Promise<{ url: string; close: () => Promise<void>; reload: () => void }> {
  const clients = new Set<ServerResponse>();
  const reload = () => {
    for (const client of clients) client.write('event: reload\ndata: {}\n\n');
  };
  let listening: Listening | null = null;
  const server = createServer((request, response) => {
    const refused = listening ? listening.foreign(request) : 'not listening yet';
    if (refused) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end(refused);
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    } catch {
      // A malformed path would otherwise throw out of the handler and end the server.
      response.writeHead(400, { 'content-type': 'text/plain' }).end('the path is not valid percent-encoding');
      return;
    }
    if (path === '/__plat/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      response.write(': connected\n\n');
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    const dashboard = /^\/v1\/dashboards(?:\/([^/]+))?\/?$/.exec(path);
    if (dashboard && options.dashboards) {
      serveDashboard(response, options.dashboards(), dashboard[1]);
      return;
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(normalize(dir)) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(response);
  });
  let debounce: NodeJS.Timeout | null = null;
  const watcher = watch(dir, (_, name) => {
    if (name !== 'data.js') return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(reload, 150);
  });
  const started = await listen(server, { port }).catch((error: unknown) => {
    watcher.close();
    throw error;
  });
  listening = started;
  return {
    url: `${started.url}/`,
    reload,
    close: () => {
      watcher.close();
      for (const client of clients) client.end();
      return started.close();
    },
  };
}

/**
 * GET /v1/dashboards: their names and titles; /v1/dashboards/<name>: its data as of the latest
 * generation (the same JSON as dashboards.js holds), which plat dev renews after each build.
 */
function serveDashboard(response: ServerResponse, dashboards: Record<string, DashboardData>, name: string | undefined): void {
  const json = (status: number, body: unknown) =>
    response
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  if (name === undefined) {
    json(200, { dashboards: Object.values(dashboards).map((d) => ({ name: d.name, title: d.title, generatedAt: d.generatedAt })) });
    return;
  }
  const data = dashboards[name];
  if (data) json(200, data);
  else json(404, { error: `no dashboard "${name}"`, dashboards: Object.keys(dashboards) });
}
