import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from './node_api.js';
import { PlatError } from '../../core/errors.js';
import type { Connection, OpenMode, SandboxedConnection, Warehouse } from '../connection.js';
import { DuckDBSession } from './connection.js';
import { duckdbCapabilities, duckdbDialect } from './dialect.js';
import { type DatabaseFiles, folderHint, openError, storageError, systemReason } from './errors.js';
import { guardedQuery } from './guarded.js';
import { checkpointLean } from './lean_checkpoint.js';
import { identifier, text } from './quote.js';
import { settingsError } from './settings.js';

/**
 * Opens a database file. `sandboxed`: read-only, and no file (the database's own included),
 * network or extension access from SQL; settings locked so a query cannot turn them back on.
 * For agent tools and anything else running untrusted SQL (see guarded.ts).
 */
export async function openDuckDB(
  files: DatabaseFiles,
  mode: OpenMode,
  settings: Record<string, string>,
  options: { servingCopy?: string; rowGroupSize?: number } = {},
): Promise<Warehouse<Connection> | Warehouse<SandboxedConnection>> {
  const { servingCopy } = options;
  const readOnly = mode !== 'read-write';
  if (files.path !== ':memory:' && !readOnly) {
    try {
      mkdirSync(dirname(files.path), { recursive: true });
    } catch (error) {
      throw new PlatError('DATABASE_OPEN', `cannot create the folder of ${files.display}: ${systemReason(error)}`, folderHint(files));
    }
  }
  // A row group size is an option of ATTACH only: the file is attached to an in-memory
  // instance under the name DuckDB would give it, and every session starts in it.
  const attach = options.rowGroupSize && !readOnly && files.path !== ':memory:' ? options.rowGroupSize : null;
  const catalog = attach ? catalogName(files.path) : null;
  let instance: DuckDBInstance | undefined;
  try {
    // The mode's own settings last: a target's settings cannot loosen the sandbox.
    const access: Record<string, string> = mode === 'sandboxed' ? SANDBOX : readOnly ? { access_mode: 'READ_ONLY' } : {};
    instance = await DuckDBInstance.create(catalog ? ':memory:' : files.path, { ...settings, ...access });
    if (catalog) {
      const connection = await instance.connect();
      try {
        await connection.run(`ATTACH ${text(files.path)} AS ${identifier(catalog)} (ROW_GROUP_SIZE ${attach})`);
      } finally {
        connection.closeSync();
      }
    }
  } catch (error) {
    instance?.closeSync();
    throw (readOnly ? null : storageError(error, files)) ?? (await settingsError(settings)) ?? openError(error, files.display);
  }
  const opened = instance;
  const connect = async () => {
    const connection = await opened.connect();
    if (catalog) await connection.run(`USE ${identifier(catalog)}`);
    return connection;
  };
  const capabilities = attach ? { ...duckdbCapabilities, directWriteRows: attach } : duckdbCapabilities;
  const base = { dialect: duckdbDialect, capabilities, close: () => opened.closeSync() };
  if (mode !== 'sandboxed')
    return {
      ...base,
      session: async () => new DuckDBSession(await connect(), files, capabilities),
      ...(servingCopy && files.path !== ':memory:' ? { publishServingCopy: () => publishCopy(connect, files, servingCopy, readOnly) } : {}),
      ...(readOnly || files.path === ':memory:' ? {} : { settle: () => settle(connect, settings) }),
    };
  try {
    await lockDown(opened);
  } catch (error) {
    opened.closeSync();
    throw openError(error, files.display);
  }
  return {
    ...base,
    session: async (): Promise<SandboxedConnection> => {
      const connection = await opened.connect();
      return { guardedQuery: (sql, params, limits) => guardedQuery(connection, sql, params, limits), close: () => connection.closeSync() };
    },
  };
}

/**
 * With external access off DuckDB still lets SQL read the database's own files
 * (read_blob('…/plat.duckdb')) and write to its temporary folder. The local file system can
 * only be switched off once the database is open, and that closes both doors; a query that
 * outgrows memory can then no longer spill to disk. Then the settings are locked.
 */
async function lockDown(instance: DuckDBInstance): Promise<void> {
  const connection = await instance.connect();
  try {
    await connection.run("SET disabled_filesystems = 'LocalFileSystem'");
    await connection.run('SET lock_configuration = true');
  } finally {
    connection.closeSync();
  }
}

const SANDBOX = {
  access_mode: 'READ_ONLY',
  enable_external_access: 'false',
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
  allow_community_extensions: 'false',
};

async function settle(connect: () => Promise<DuckDBConnection>, settings: Record<string, string>): Promise<void> {
  const connection = await connect();
  try {
    await checkpointLean(connection, settings);
  } finally {
    connection.closeSync();
  }
}

/**
 * A copy of the database file for readers in other processes. After a CHECKPOINT the file
 * holds every committed change; the copy is taken byte for byte (a hundred times faster than
 * COPY FROM DATABASE), and kept only if the file did not change while it was read, since a
 * session of this process may commit and checkpoint meanwhile (a stream's landers). Renamed
 * into place, so a reader opens either the old copy or the new one.
 */
async function publishCopy(connect: () => Promise<DuckDBConnection>, files: DatabaseFiles, into: string, readOnly: boolean): Promise<void> {
  if (!readOnly) {
    const connection = await connect();
    try {
      await connection.run('CHECKPOINT');
    } catch (error) {
      throw new PlatError('DATABASE_OPEN', `cannot checkpoint ${files.display} for its serving copy: ${systemReason(error)}`);
    } finally {
      connection.closeSync();
    }
  }
  mkdirSync(dirname(into), { recursive: true });
  const partial = `${into}.${process.pid}.partial`;
  const state = () => {
    const { mtimeMs, size } = statSync(files.path);
    return `${mtimeMs}:${size}`;
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = state();
    copyFileSync(files.path, partial);
    // A database closed without a checkpoint keeps its last commits in the WAL; a reader of the
    // copy replays it. After this process's own checkpoint the WAL holds only commits made since,
    // possibly mid-write, which the next copy takes in.
    if (readOnly && existsSync(`${files.path}.wal`)) copyFileSync(`${files.path}.wal`, `${partial}.wal`);
    if (state() !== before) continue;
    if (existsSync(`${partial}.wal`)) renameSync(`${partial}.wal`, `${into}.wal`);
    else rmSync(`${into}.wal`, { force: true });
    renameSync(partial, into);
    return;
  }
  rmSync(partial, { force: true });
  throw new PlatError('DATABASE_OPEN', `${files.display} kept changing while it was copied for serving; the previous copy stays`);
}

/** The catalog name DuckDB gives a database file it opens: the file's name up to its first dot. */
function catalogName(path: string): string {
  return basename(path).split('.')[0] || 'main';
}
