/** An in-memory DuckDB that reads files for a warehouse whose SQL cannot (see run/sources/file.ts). */
import { DuckDBInstance } from './node_api.js';
import type { Connection } from '../connection.js';
import { DuckDBSession } from './connection.js';

export async function openFileReader(): Promise<Connection> {
  const instance = await DuckDBInstance.create(':memory:');
  const session = new DuckDBSession(await instance.connect(), { path: ':memory:', display: 'memory' });
  const close = session.close.bind(session);
  return Object.assign(session, {
    close: () => {
      close();
      instance.closeSync();
    },
  });
}
