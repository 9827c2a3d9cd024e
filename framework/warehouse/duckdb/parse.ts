import { DuckDBInstance } from './node_api.js';
import type { SqlParser } from '../registry.js';

/**
 * DuckDB's own parser (json_serialize_sql) on an in-memory database: statements are appended
 * to a table and parsed in one query. An unparsable statement gets DuckDB's error tree, which
 * column lineage reads as no lineage.
 */
export async function duckdbParser(): Promise<SqlParser> {
  const instance = await DuckDBInstance.create(':memory:');
  return {
    async parse(statements) {
      if (statements.length === 0) return [];
      const connection = await instance.connect();
      try {
        await connection.run('CREATE OR REPLACE TEMP TABLE sql_text (i INTEGER, sql VARCHAR)');
        const appender = await connection.createAppender('sql_text', 'main', 'temp');
        statements.forEach((sql, i) => {
          appender.appendInteger(i);
          appender.appendVarchar(sql);
          appender.endRow();
        });
        appender.closeSync();
        const reader = await connection.runAndReadAll('SELECT json_serialize_sql(sql) AS tree FROM sql_text ORDER BY i');
        return (reader.getRows() as [string][]).map(([tree]) => JSON.parse(tree) as Record<string, unknown>);
      } finally {
        connection.closeSync();
      }
    },
    close: () => instance.closeSync(),
  };
}
