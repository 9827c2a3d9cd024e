import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { EntitiesSpec } from '../../project/spec.js';

export type Attribute = string | number | null;

/** One entity of a series: its key and, for entities read from a file, the row's other columns. */
export interface Entity {
  key: string;
  attributes: ReadonlyMap<string, Attribute>;
}

/**
 * The entities of a series: `count` (ids prefix1 … prefixN), a `list` of ids, or the rows of a
 * reference CSV shipped with the project, so the generated streams and the reference data name
 * the same equipment and can read its attributes (nominal values, install date).
 */
export function loadEntities(spec: EntitiesSpec, root: string): Entity[] {
  if (spec.file !== undefined) return entitiesFromFile(spec.file, spec.key, root);
  const keys = spec.list ?? Array.from({ length: spec.count ?? 0 }, (_, i) => `${spec.prefix ?? ''}${i + 1}`);
  return keys.map((key) => ({ key, attributes: new Map() }));
}

function entitiesFromFile(file: string, keyColumn: string | undefined, root: string): Entity[] {
  const path = isAbsolute(file) ? file : resolve(root, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`generator entities: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const [header, ...records] = parseCsv(text);
  if (!header || header.length === 0) throw new Error(`generator entities: ${file} has no header row`);
  const key = keyColumn ?? header[0]!;
  const keyIndex = header.indexOf(key);
  if (keyIndex === -1) throw new Error(`generator entities: ${file} has no column "${key}" (columns: ${header.join(', ')})`);
  return records.map((record, i) => {
    if (record.length !== header.length)
      throw new Error(`generator entities: ${file}:${i + 2} has ${record.length} fields, the header ${header.length}`);
    const attributes = new Map<string, Attribute>(header.map((name, j) => [name, typed(record[j]!)]));
    return { key: record[keyIndex]!, attributes };
  });
}

/** Numbers become numbers (nominal values feed signals); empty fields null; the rest text. */
function typed(text: string): Attribute {
  if (text === '') return null;
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
}

/** RFC 4180 CSV: commas, double-quoted fields with "" for a quote, LF or CRLF line ends. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
