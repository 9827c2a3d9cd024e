import { expect, inject, it } from 'vitest';
import { openWarehouse } from '../framework/warehouse/registry.js';
import { trinoTestTarget } from './trino-helpers.js';

/** A Trino target's settings are session properties: every statement carries them. */
const url = inject('trinoUrl');

it.skipIf(!url)("sends a Trino target's settings as session properties with every statement, and names one the cluster lacks", async () => {
  const target = {
    ...trinoTestTarget(url!, null, 'settings'),
    settings: { query_max_run_time: '17m', join_distribution_type: 'BROADCAST' },
  };
  const warehouse = await openWarehouse(target, { root: '/tmp' });
  try {
    const connection = await warehouse.session();
    for (let statement = 0; statement < 2; statement++) {
      const shown = await connection.query("SHOW SESSION LIKE 'query_max_run_time'");
      expect(Object.values(shown[0]!).slice(0, 2)).toEqual(['query_max_run_time', '17m']);
    }
    const join = await connection.query("SHOW SESSION LIKE 'join_distribution_type'");
    expect(Object.values(join[0]!).slice(0, 2)).toEqual(['join_distribution_type', 'BROADCAST']);
  } finally {
    warehouse.close();
  }
  await expect(openWarehouse({ ...target, settings: { query_max_run_tme: '1h' } }, { root: '/tmp' })).rejects.toThrow(/query_max_run_tme/);
});
