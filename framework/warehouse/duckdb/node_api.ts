/**
 * @duckdb/node-api, loaded with require. It is CommonJS: an ESM import of it makes Node lex
 * each of its 120-odd files for their exports before loading them, which doubled the time
 * every process that opens DuckDB spent loading it (130-160 ms against 65-70 ms).
 */
import { createRequire } from 'node:module';
import type * as NodeApi from '@duckdb/node-api';

const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof NodeApi;

export const {
  DuckDBArrayVector,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBListVector,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  StatementType,
} = api;
export type DuckDBInstance = NodeApi.DuckDBInstance;
export type DuckDBTypeId = NodeApi.DuckDBTypeId;
export type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBPreparedStatement,
  DuckDBValue,
  DuckDBValueConverter,
  DuckDBVector,
  JS,
} from '@duckdb/node-api';
