import type { EndpointNode } from '../compile/manifest.js';
import type { NodeOutcome } from '../run/executors.js';
import type { Connection } from '../warehouse/connection.js';
import { positionalParameters } from '../warehouse/parameters.js';

/**
 * What `plat build` does for an endpoint: it builds nothing, but each of its queries must
 * prepare against what was just built, and a prediction's rows must hold the columns its
 * response is made of, so that a mistake shows at build time rather than on a request.
 */
export async function checkEndpoint(node: EndpointNode, connection: Connection): Promise<NodeOutcome> {
  const { serve } = node;
  const prepare = async (what: string, sql: string) => {
    try {
      // $name as ? where the engine binds by position only (Trino), as a request binds them.
      return await connection.inspect(connection.capabilities.parameters === 'positional' ? positionalParameters(sql, {}).sql : sql);
    } catch (error) {
      throw new Error(`${what} does not prepare: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  };
  switch (serve.type) {
    case 'predict':
      for (const [choice, prediction] of Object.entries(serve.predictions)) {
        const { columns } = await prepare(`the SQL of ${choice}`, prediction.sql);
        const names = columns.map((c) => c.name);
        const needed = [serve.key, prediction.score, 'model_version', ...Object.values(prediction.fields)];
        const missing = needed.filter((name) => !names.includes(name));
        if (missing.length) throw new Error(`the rows of ${choice} have no column ${missing.join(', ')} (they have ${names.join(', ')})`);
      }
      return { rows: null, action: `checked: ${Object.keys(serve.predictions).length} predictions` };
    case 'forecast':
      await prepare('the forecasts table', `SELECT * FROM ${connection.dialect.relation(serve.forecasts)}`);
      await prepare('the violations table', `SELECT * FROM ${connection.dialect.relation(serve.violations)}`);
      return { rows: null, action: `checked: forecasts of ${serve.model}` };
    case 'analytics':
      if (serve.asOf) await prepare('as_of', serve.asOf);
      for (const [choice, analysis] of Object.entries(serve.analyses)) await prepare(`the SQL of ${choice}`, analysis.sql);
      return { rows: null, action: `checked: ${Object.keys(serve.analyses).length} analyses` };
    case 'stream':
      return { rows: null, action: `topics ${Object.keys(serve.topics).join(', ')}` };
  }
}
