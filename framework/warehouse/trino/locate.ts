import type { OpenOptions, WarehouseLocation } from '../connection.js';
import type { TrinoTarget } from '../types.js';

/** A cluster's address; the agent's index lives in a schema of its own on it. Whether it answers is known only by asking. */
export function locateTrino(target: TrinoTarget, _options: Pick<OpenOptions, 'root' | 'store'>): WarehouseLocation {
  const display = `${target.url} (catalog ${target.catalog}${target.schemaPrefix ? `, schemas ${target.schemaPrefix}_*` : ''})`;
  return { location: target.url, display, exists: true };
}

/** Where a target's relations live; the agent's index is kept under its own prefix beside the project's. */
export function placementOf(target: TrinoTarget, store: OpenOptions['store']) {
  const prefix = store === 'agent_index' ? [target.schemaPrefix, 'agent_index'].filter(Boolean).join('_') : target.schemaPrefix;
  return { catalog: target.catalog, schemaPrefix: prefix || null };
}
