/** The Trino adapter's driver side, loaded by the registry when a warehouse is opened. */
import { resolve } from 'node:path';
import { PlatError } from '../../core/errors.js';
import type { Connection, SandboxedConnection, Warehouse } from '../connection.js';
import type { AdapterDriver } from '../registry.js';
import type { TrinoTarget } from '../types.js';
import { TrinoSession } from './connection.js';
import { trinoCapabilities, trinoDialect } from './dialect.js';
import { trinoSandbox } from './guarded.js';
import { placementOf } from './locate.js';
import { request } from './protocol.js';

export const trinoDriver: AdapterDriver = {
  open: async (given, options) => {
    const target = given as TrinoTarget;
    const placement = placementOf(target, options.store);
    const dialect = trinoDialect(placement);
    const mode = options.mode ?? 'read-write';
    const server = {
      url: target.url,
      user: mode === 'sandboxed' ? (target.sandboxUser ?? target.user) : target.user,
      catalog: target.catalog,
      session: target.settings ?? {},
    };
    // Asked once on opening, so a wrong address or catalog is one clear error, not every statement's.
    const catalogs = await request(server, 'SHOW CATALOGS');
    if (!catalogs.rows.some((r) => r[0] === target.catalog))
      throw new PlatError(
        'DATABASE_OPEN',
        `the Trino cluster at ${target.url} has no catalog "${target.catalog}"`,
        `its catalogs: ${catalogs.rows.map((r) => r[0]).join(', ')}; set target.catalog in plat_project.yml`,
      );
    const landing =
      mode === 'read-write' && target.landing ? { ...target.landing, folder: resolve(options.root, target.landing.folder) } : null;
    const base = { dialect, capabilities: trinoCapabilities, close: () => undefined };
    if (mode === 'sandboxed') return { ...base, session: async (): Promise<SandboxedConnection> => trinoSandbox(server) };
    const warehouse: Warehouse<Connection> = {
      ...base,
      session: async () => new TrinoSession(dialect, trinoCapabilities, server, placement, landing),
    };
    return warehouse;
  },
};
