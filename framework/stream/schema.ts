import { Ajv, type ValidateFunction } from 'ajv';
import type { ManifestColumn } from '../compile/manifest.js';

/**
 * A source's declared columns as a JSON Schema for its messages: integer types take JSON
 * integers, floating and decimal types numbers, BOOLEAN booleans, everything else strings.
 * Columns marked `required: true` must be present and not null; others may be null or absent.
 */
export function messageSchema(columns: readonly ManifestColumn[], required: ReadonlySet<string>): object {
  const properties: Record<string, object> = {};
  for (const column of columns) {
    const type = jsonType(column.type ?? 'VARCHAR');
    properties[column.name] = required.has(column.name) ? { type } : { type: [type, 'null'] };
  }
  return { type: 'object', properties, required: [...required] };
}

export function jsonType(sqlType: string): 'integer' | 'number' | 'boolean' | 'string' {
  const t = sqlType.trim().toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|INT[1248]|LONG|SHORT|SIGNED)$/.test(t)) return 'integer';
  if (/^(DOUBLE|FLOAT|REAL|FLOAT[48]|NUMERIC|DECIMAL)/.test(t)) return 'number';
  if (/^(BOOLEAN|BOOL|LOGICAL)$/.test(t)) return 'boolean';
  return 'string';
}

export function compileValidator(schema: object): ValidateFunction {
  return new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(schema);
}

/** One line for the dead-letter table: what was wrong and where. */
export function validationMessage(validate: ValidateFunction): string {
  const error = validate.errors?.[0];
  if (!error) return 'invalid message';
  if (error.keyword === 'required') return `missing required field ${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'type') return `${error.instancePath.slice(1)}: must be ${String((error.params as { type: string }).type).replace(',null', '')}`;
  return `${error.instancePath ? `${error.instancePath.slice(1)}: ` : ''}${error.message ?? 'invalid'}`;
}
