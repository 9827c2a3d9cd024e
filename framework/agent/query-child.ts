/**
 * A query process (see query-processes.ts): opens the project database sandboxed and runs
 * guarded queries, so that neither a long query nor a huge result stalls the agent's process.
 */
import { PlatError } from '../core/errors.js';
import type { SandboxedConnection, Warehouse } from '../warehouse/connection.js';
import { openWarehouse } from '../warehouse/registry.js';
import { QueryRejected } from '../warehouse/types.js';
import type { QueryReply, QueryRequest } from './query-protocol.js';

let database: { warehouse: Warehouse<SandboxedConnection>; session: SandboxedConnection } | null = null;

process.on('message', (request: QueryRequest) => {
  void answer(request).then((reply) => process.send!(reply));
});
// The agent's process went away, so nobody is left to answer. Exiting would wait for a query
// the engine is running (Node joins its thread pool on exit); the database is only read.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

async function answer(request: QueryRequest): Promise<QueryReply> {
  try {
    switch (request.kind) {
      case 'open': {
        closeDatabase();
        const warehouse = await openWarehouse(request.target, { root: request.root, mode: 'sandboxed' });
        database = { warehouse, session: await warehouse.session() };
        return { kind: 'opened' };
      }
      case 'query':
        if (!database) throw new Error('no database is open');
        return { kind: 'result', result: await database.session.guardedQuery(request.sql, request.params, request.limits) };
      case 'close':
        closeDatabase();
        return { kind: 'closed' };
    }
  } catch (error) {
    if (error instanceof QueryRejected) return { kind: 'rejected', message: error.message };
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof PlatError
      ? { kind: 'failed', code: error.code, message, hint: error.hint }
      : { kind: 'failed', code: null, message, hint: null };
  }
}

function closeDatabase(): void {
  database?.session.close();
  database?.warehouse.close();
  database = null;
}
