/** DuckDB's quoting, shared by its dialect's files. */
import type { Relation } from '../types.js';

export const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const relation = (r: Relation) => `${identifier(r.schema)}.${identifier(r.name)}`;
export const text = (value: string) => `'${value.replace(/'/g, "''")}'`;
