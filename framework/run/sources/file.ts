import { isAbsolute, relative, resolve } from 'node:path';
import type { FilePlace, SourceNode } from '../../compile/manifest.js';
import { FileMissingError, LocatedError, PlatError } from '../../core/errors.js';
import type { Connection } from '../../warehouse/connection.js';
import type { FileFormat, ReaderValue } from '../../warehouse/dialect.js';
import { normalizeTypes } from '../../warehouse/queries.js';
import { openFileReader } from '../../warehouse/registry.js';
import { type ColumnInfo, FileReadError, WarehouseError } from '../../warehouse/types.js';
import { buildAndSwap } from '../materialize/swap.js';
import type { SourceLoader } from './loader.js';

type Options = Record<string, ReaderValue>;

/**
 * Lands a source from files with the warehouse's readers, with the declared column types
 * applied as the file is read (where the reader takes them; a cast otherwise). A value that
 * does not convert fails the load at its file and line: a file can be fixed and read again,
 * so nothing is dropped or nulled behind the user's back (the reader's own `ignore_errors` /
 * `store_rejects` options opt out of that).
 */
export const fileLoader: SourceLoader = {
  name: 'file',
  applies: (node) => Boolean(node.loader.file),
  async load(node, connection, context) {
    if (connection.capabilities.readsFiles) return loadFiles(node, connection, connection, context);
    // A warehouse whose SQL cannot read this machine's files gets them read, typed and checked here, then in bulk.
    const reader = await openFileReader();
    try {
      return await loadFiles(node, reader, connection, context);
    } finally {
      reader.close();
    }
  },
};

/** Reads and types the files with `connection`'s readers, and builds the source's table in `warehouse`. */
async function loadFiles(
  node: SourceNode,
  connection: Connection,
  warehouse: Connection,
  context: Parameters<SourceLoader['load']>[2],
): Promise<{ rows: number; action: string }> {
  const spec = node.loader.file!;
  const { dialect } = connection;
  const path = isAbsolute(spec.path) ? spec.path : resolve(context.projectRoot, spec.path);
  const format: FileFormat = spec.format ?? (/\.parquet$/i.test(path) ? 'parquet' : /\.(nd)?jsonl?$/i.test(path) ? 'ndjson' : 'csv');
  const problems = new LoadProblems(node, context.projectRoot);
  const given: Options = { ...(format === 'ndjson' ? { format: 'newline_delimited' } : {}), ...(spec.options ?? {}) };
  const describe = (reader: string) => connection.describe(`SELECT * FROM ${reader}`).catch((error: unknown) => problems.fail(error));

  const declared = node.columns.filter((c) => c.type).map((c) => ({ name: c.name, type: c.type! }));
  const plain = dialect.readFiles(format, path, given);
  // Without declared types the file's own are used as they are: no need to read them first.
  const detected = declared.length ? await describe(plain) : [];
  const nameInFile = new Map(detected.map((c) => [c.name.toLowerCase(), c.name]));
  const missing = declared.filter((c) => !nameInFile.has(c.name.toLowerCase()));
  if (missing.length) {
    const names = missing.map((c) => c.name).join(', ');
    throw problems.at(
      node.places.types[missing[0]!.name] ?? node.places.path,
      `${spec.path} has no column ${names} (it has ${detected.map((c) => c.name).join(', ')})`,
      'declare only columns the file has; names match without regard to case',
    );
  }
  const wanted = declared.map((c) => ({ name: nameInFile.get(c.name.toLowerCase())!, type: c.type }));
  const typed = dialect.readFiles(format, path, given, { types: wanted, detected });
  const actual = new Map((typed === plain ? detected : await describe(typed)).map((c) => [c.name, c.type]));
  const canonical = await normalizeTypes(
    connection,
    wanted.map((c) => c.type),
  );
  const casts = wanted.map((c, i) => ({ name: c.name, type: canonical[i]! })).filter((c) => actual.get(c.name) !== c.type);
  try {
    const select = `SELECT ${dialect.withCasts(casts)} FROM ${typed}`;
    const rows = await buildAndSwap(warehouse, context.catalog, node.relation, async (staging) => {
      if (warehouse === connection) return connection.execute(dialect.createAs('table', staging, select, { replace: true }));
      const columns = await connection.describe(select);
      const values = (await connection.query(select)).map((row) => columns.map((c) => row[c.name]));
      await warehouse.execute(warehouse.dialect.createTable(staging, columns, { replace: true }));
      return warehouse.bulkLoad(staging, values);
    });
    return { rows, action: `${format} ${spec.path}` };
  } catch (error) {
    const failedCast = error instanceof WarehouseError ? casts.find((c) => c.name === error.castColumn) : undefined;
    if (failedCast)
      throw await problems.castFailure(
        connection,
        failedCast,
        dialect.readFiles(format, path, given, { types: wanted, detected, origin: true }),
      );
    return problems.fail(error);
  }
}

/** Turns the reader's errors into errors at the data file's line, or at the source's declaration. */
class LoadProblems {
  constructor(
    private readonly node: SourceNode,
    private readonly root: string,
  ) {}

  at(place: FilePlace | null, message: string, hint: string | null = null): LocatedError {
    return new LocatedError(message, place?.line ?? null, { file: place?.file, column: place?.column, hint });
  }

  fail(error: unknown): never {
    if (error instanceof PlatError) throw error;
    const path = this.node.loader.file!.path;
    if (error instanceof FileReadError) {
      const { read } = error;
      if (read.problem === 'no_files') {
        const place = this.node.places.path;
        throw new FileMissingError(`no file matches ${path}`, place?.line ?? null, {
          file: place?.file,
          column: place?.column,
          hint: `paths are relative to the project folder (${this.root})`,
        });
      }
      const file = this.display(read.file ?? path);
      if (read.problem === 'other') throw new LocatedError(read.reason, null, { file });
      const hint =
        read.problem === 'conversion'
          ? read.column
            ? `fix the value, or change the type declared for ${read.column}${this.typePlace(read.column)}`
            : 'fix the value, or change the type declared for its column in sources.yml'
          : read.fixes?.length
            ? `fix the file, or relax the reader in file.options (${read.fixes.join(', ')})`
            : null;
      throw new LocatedError(`${read.reason}${read.text ? ` (the line reads: ${read.text})` : ''}`, read.line, { file, hint });
    }
    // An engine's error class ("Binder Error: …") says nothing the user can act on.
    const message = (error instanceof Error ? error.message : String(error)).replace(/^\w+ Error: /, '');
    throw this.at(this.node.places.path, message);
  }

  /** A declared type the values do not convert to: finds the first such value, its file and row. */
  async castFailure(connection: Connection, column: ColumnInfo, readWithOrigin: string): Promise<LocatedError> {
    const { dialect } = connection;
    const name = dialect.identifier(column.name);
    const [row] = await connection.query(
      `SELECT * FROM ${readWithOrigin} WHERE ${name} IS NOT NULL AND ${dialect.tryCast(name, column.type)} IS NULL LIMIT 1`,
    );
    const where = row?.file_row_number !== undefined ? ` (row ${Number(row.file_row_number) + 1})` : '';
    return new LocatedError(`${column.name}: ${JSON.stringify(row?.[column.name] ?? null)}${where} is not a valid ${column.type}`, null, {
      file: row?.filename ? this.display(String(row.filename)) : this.node.loader.file!.path,
      hint: `fix the value, or change the type declared for ${column.name}${this.typePlace(column.name)}`,
    });
  }

  private typePlace(column: string): string {
    const place = Object.entries(this.node.places.types).find(([name]) => name.toLowerCase() === column.toLowerCase())?.[1];
    return place ? ` (${place.file}:${place.line}:${place.column})` : '';
  }

  private display(file: string): string {
    const fromRoot = relative(this.root, resolve(this.root, file));
    return fromRoot.startsWith('..') ? file : fromRoot;
  }
}
