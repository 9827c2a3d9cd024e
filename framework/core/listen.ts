import type { IncomingMessage, Server } from 'node:http';
import { networkInterfaces } from 'node:os';

export interface Listening {
  /** No trailing slash. */
  url: string;
  /**
   * Why a request must not be answered, or null: its Host is not one of this server's own
   * names (a DNS-rebound page), or its Origin is another site's (a page the user visits).
   */
  foreign(request: IncomingMessage): string | null;
  /** Stops without waiting for keep-alive sockets or open event streams to go away. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/** Whether a host name or address reaches only this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Starts `server` on `host` (default 127.0.0.1; port 0 picks a free one). */
export function listen(server: Server, options: { port: number; host?: string }): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      const names = new Set([...LOOPBACK_NAMES, shown.toLowerCase(), ...(WILDCARDS.has(host) ? interfaceAddresses() : [])]);
      // Browsers leave the default port out of Host and Origin.
      const authorities = new Set([...names].flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`])));
      resolve({
        url: `http://${shown}:${port}`,
        foreign: (request) => foreignRequest(request, authorities),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function foreignRequest(request: IncomingMessage, authorities: ReadonlySet<string>): string | null {
  const host = request.headers.host?.toLowerCase();
  if (!host || !authorities.has(host))
    return `requests must be addressed to this server (Host ${[...authorities].join(', ')}), not ${host ?? 'no Host'}`;
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  const from = /^http:\/\/([^/]+)$/i.exec(origin)?.[1]?.toLowerCase();
  return from && authorities.has(from) ? null : `requests from other sites are refused (Origin ${origin})`;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i ? [i.family === 'IPv6' ? `[${i.address}]` : i.address] : []));
}
