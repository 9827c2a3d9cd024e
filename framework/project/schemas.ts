import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { SchemaFailure, SchemaName } from './entries.js';
import type { YamlLocator } from './yaml.js';

export type { SchemaName };

/** Written by `npm run build` beside this module in dist/ (scripts/validators.mjs); not beside the TypeScript sources. */
const generated = fileURLToPath(new URL('./validators.cjs', import.meta.url));

/**
 * The validators ajv generated at build time, loaded when a YAML file is first validated (an
 * edit to one model's SQL validates none); else (plat run from its TypeScript sources) each
 * schema compiled when first needed (schema_compiler.ts), which costs a large project's compile
 * a few hundred milliseconds.
 */
async function loadValidators(): Promise<(schema: SchemaName) => ValidateFunction> {
  if (existsSync(generated)) {
    let validators: Record<SchemaName, ValidateFunction> | null = null;
    return (schema) => (validators ??= createRequire(import.meta.url)(generated) as Record<SchemaName, ValidateFunction>)[schema];
  }
  return (await import('./schema_compiler.js')).compilingValidators();
}

const validatorOf = await loadValidators();

/** The reported diagnostics, and every failure's place (more than are reported), to know which entries are bad. */
export function validateYaml(
  schema: SchemaName,
  file: string,
  data: unknown,
  locator: YamlLocator,
): { diagnostics: Diagnostic[]; failures: SchemaFailure[] } {
  const validate = validatorOf(schema);
  if (validate(data)) return { diagnostics: [], failures: [] };
  const errors = validate.errors ?? [];
  return {
    diagnostics: relevantErrors(errors).map((error) => toDiagnostic(error, file, locator)),
    failures: errors.map((error) => ({ path: instancePath(error), keyword: error.keyword })),
  };
}

function instancePath(error: ErrorObject): (string | number)[] {
  return error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ajv reports every branch of a oneOf; users want the deepest, most specific complaint. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'not' && e.keyword !== 'if');
  const pool = specific.length > 0 ? specific : errors;
  const deepest = new Map<string, ErrorObject>();
  for (const error of pool) {
    const isPrefixOfAnother = pool.some((other) => other !== error && other.instancePath.startsWith(`${error.instancePath}/`));
    if (isPrefixOfAnother && error.keyword !== 'additionalProperties' && error.keyword !== 'required') continue;
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (!deepest.has(key)) deepest.set(key, error);
  }
  return [...deepest.values()].slice(0, 20);
}

function toDiagnostic(error: ErrorObject, file: string, locator: YamlLocator): Diagnostic {
  const path = instancePath(error);
  const where = path.length
    ? `at ${path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '')}: `
    : '';
  let detail = `${where}${error.message ?? 'invalid'}`;
  let hint: string | null = null;
  let key: string | undefined;
  const schemaProps = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  switch (error.keyword) {
    case 'additionalProperties': {
      key = (error.params as { additionalProperty: string }).additionalProperty;
      detail = `${where}unknown property "${key}"`;
      const allowed = Object.keys(schemaProps ?? {});
      hint = didYouMean(key, allowed) ?? (allowed.length ? `allowed: ${allowed.join(', ')}` : null);
      break;
    }
    case 'required':
      detail = `${where}missing required property "${(error.params as { missingProperty: string }).missingProperty}"`;
      break;
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      detail = `${where}${JSON.stringify(error.data)} is not one of ${allowed.join(', ')}`;
      hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : null;
      break;
    }
    case 'pattern': {
      // Names share one pattern; other patterns say in their description what they expect.
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      const identifier = (error.params as { pattern: string }).pattern === '^[A-Za-z_][A-Za-z0-9_]*$';
      detail =
        identifier || !description
          ? `${where}${JSON.stringify(error.data)} is not a valid name (letters, digits and _; not starting with a digit)`
          : `${where}${JSON.stringify(error.data)} is not ${description}`;
      break;
    }
  }
  const pos = locator.locate(file, path, key);
  return diagnostic('SCHEMA', { detail }, { file, line: pos?.line ?? null, column: pos?.column ?? null }, hint);
}
