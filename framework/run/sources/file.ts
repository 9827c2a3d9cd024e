import { isAbsolute, relative, resolve } from 'node:path';
import type { FilePlace, SourceNode } from '../../compile/manifest.js';
import { quoteIdentifier } from '../../compile/relation.js';
import { LocatedError, PlatError } from '../../core/errors.js';
import type { ReaderOption } from '../../project/spec.js';
import type { ColumnInfo, WarehouseSession } from '../adapter.js';
import { buildAndSwap } from '../materialize/swap.js';
import type { SourceContext, SourceOutcome } from './load.js';

type Format = 'csv' | 'ndjson' | 'parquet';
type Options = Record<string, ReaderOption>;

const readers = { csv: 'read_csv', ndjson: 'read_json', parquet: 'read_parquet' } as const;
/** The names read_csv takes a column → type struct under. */
const CSV_TYPE_OPTIONS = ['types', 'dtypes', 'column_types'];

/**
 * Lands a source from files with DuckDB's readers, with the declared column types applied as the
 * file is read (CSV `types`, JSON `columns`; a cast for Parquet and for readers given their own
 * schema). A value that does not convert fails the load at its file and line: a file can be
 * fixed and read again, so nothing is dropped or nulled behind the user's back (the reader's own
 * `ignore_errors` / `store_rejects` options opt out of that).
 */
export async function loadFile(session: WarehouseSession, node: SourceNode, context: SourceContext): Promise<SourceOutcome> {
  const spec = node.loader.file!;
  const path = isAbsolute(spec.path) ? spec.path : resolve(context.projectRoot, spec.path);
  const format: Format = spec.format ?? (/\.parquet$/i.test(path) ? 'parquet' : /\.(nd)?jsonl?$/i.test(path) ? 'ndjson' : 'csv');
  const problems = new LoadProblems(node, context.projectRoot);
  const read = (options: Options) => `${readers[format]}(${sqlLiteral(path)}${Object.entries(options).map(([key, value]) => `, ${key} = ${sqlLiteral(value)}`).join('')})`;
  const describe = (options: Options) => session.inspect(`SELECT * FROM ${read(options)}`).then((r) => r.columns, (error: unknown) => problems.fail(error));

  const given: Options = { ...(format === 'ndjson' ? { format: 'newline_delimited' } : {}), ...(spec.options ?? {}) };
  const declared = node.columns.filter((c) => c.type).map((c) => ({ name: c.name, type: c.type! }));
  // Without declared types the file's own are used as they are: no need to read them first.
  const detected = declared.length ? await describe(given) : [];
  const nameInFile = new Map(detected.map((c) => [c.name.toLowerCase(), c.name]));
  const missing = declared.filter((c) => !nameInFile.has(c.name.toLowerCase()));
  if (missing.length) {
    const names = missing.map((c) => c.name).join(', ');
    throw problems.at(node.places.types[missing[0]!.name] ?? node.places.path, `${spec.path} has no column ${names} (it has ${detected.map((c) => c.name).join(', ')})`, 'declare only columns the file has; names match without regard to case');
  }
  const wanted = declared.map((c) => ({ name: nameInFile.get(c.name.toLowerCase())!, type: c.type }));
  const typed = withDeclaredTypes(format, given, wanted, detected);
  const actual = new Map((typed === given ? detected : await describe(typed)).map((c) => [c.name, c.type]));
  const canonical = await session.normalizeTypes(wanted.map((c) => c.type));
  const casts = wanted.map((c, i) => ({ name: c.name, type: canonical[i]! })).filter((c) => actual.get(c.name) !== c.type);
  const columns = casts.length ? `* REPLACE (${casts.map((c) => `CAST(${quoteIdentifier(c.name)} AS ${c.type}) AS ${quoteIdentifier(c.name)}`).join(', ')})` : '*';
  try {
    const rows = await buildAndSwap(session, context.catalog, node.relation, (staging) => session.create('table', staging, `SELECT ${columns} FROM ${read(typed)}`, { replace: true }));
    return { rows, action: `${format} ${spec.path}` };
  } catch (error) {
    const failedCast = casts.find((c) => messageOf(error).endsWith(`when casting from source column ${c.name}`));
    if (failedCast) throw await problems.castFailure(session, failedCast, format === 'parquet' ? read({ ...typed, filename: true, file_row_number: true }) : read({ ...typed, filename: true }));
    return problems.fail(error);
  }
}

/** The declared types as the reader's own options, where it has them; otherwise the options as given (and a cast follows). */
function withDeclaredTypes(format: Format, given: Options, declared: ColumnInfo[], detected: ColumnInfo[]): Options {
  if (declared.length === 0 || 'columns' in given) return given;
  const declaredType = new Map(declared.map((c) => [c.name, c.type]));
  if (format === 'ndjson') return { ...given, columns: Object.fromEntries(detected.map((c) => [c.name, declaredType.get(c.name) ?? c.type])) };
  if (format !== 'csv') return given;
  const key = CSV_TYPE_OPTIONS.find((k) => k in given) ?? 'types';
  const own = given[key];
  if (own !== undefined && (typeof own !== 'object' || Array.isArray(own))) return given;
  return { ...given, [key]: { ...Object.fromEntries(declaredType), ...own } };
}

/** A reader option as a DuckDB literal: strings quoted, lists as [..], structs as {'key': ..}. */
export function sqlLiteral(value: ReaderOption): string {
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(sqlLiteral).join(', ')}]`;
  return `{${Object.entries(value).map(([key, item]) => `${sqlLiteral(key)}: ${sqlLiteral(item)}`).join(', ')}}`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

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
    const message = messageOf(error).split('\n\nLINE ')[0]!;
    const path = this.node.loader.file!.path;
    if (/No files found that match the pattern/.test(message)) {
      throw this.at(this.node.places.path, `no file matches ${path}`, `paths are relative to the project folder (${this.root})`);
    }
    const csv = /CSV Error on Line: (\d+)\n(?:Original Line: (.*)\n)?(.*)/.exec(message);
    if (csv) {
      const file = /^\s*file = (.+)$/m.exec(message)?.[1] ?? path;
      const fixes = [...message.matchAll(/^\* .*\((\w+=\w+)\)/gm)].map((m) => m[1]!.replace('=', ': '));
      const converting = /Error when converting column "(.*?)"/.exec(csv[3]!)?.[1];
      const hint = converting
        ? `fix the value, or change the type declared for ${converting}${this.typePlace(converting)}`
        : fixes.length
          ? `fix the file, or relax the reader in file.options (${fixes.join(', ')})`
          : null;
      throw new LocatedError(`${csv[3]!.trim()}${csv[2] ? ` (the line reads: ${csv[2]})` : ''}`, Number(csv[1]), { file: this.display(file), hint });
    }
    const json = /(?:JSON transform error|Malformed JSON) in file "(.*?)", (?:at byte \d+ )?in (?:line|record\/value) (\d+): (.*)/.exec(message);
    if (json) throw new LocatedError(json[3]!.trim(), Number(json[2]), { file: this.display(json[1]!), hint: /cast/i.test(json[3]!) ? 'fix the value, or change the type declared for its column in sources.yml' : null });
    const inFile = /(?:file|File) ['"](.+?)['"]/.exec(message)?.[1];
    if (inFile) throw new LocatedError(message.replace(/^\w+ Error: /, ''), null, { file: this.display(inFile) });
    throw this.at(this.node.places.path, message.replace(/^\w+ Error: /, ''));
  }

  /** A declared type the values do not convert to: finds the first such value, its file and row. */
  async castFailure(session: WarehouseSession, column: ColumnInfo, readWithOrigin: string): Promise<LocatedError> {
    const name = quoteIdentifier(column.name);
    const [row] = await session.query(`SELECT * FROM ${readWithOrigin} WHERE ${name} IS NOT NULL AND TRY_CAST(${name} AS ${column.type}) IS NULL LIMIT 1`);
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
