import type { Server } from 'node:http';

/**
 * Starts `server` on 127.0.0.1 (port 0 picks a free one) and gives its URL (no trailing slash)
 * and a close that does not wait for keep-alive sockets or open event streams to go away.
 */
export function listenOnLoopback(server: Server, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
