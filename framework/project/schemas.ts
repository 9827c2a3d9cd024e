import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import projectSchema from './schemas/plat_project.schema.json' with { type: 'json' };
import sourcesSchema from './schemas/sources.schema.json' with { type: 'json' };
import modelsSchema from './schemas/models.schema.json' with { type: 'json' };
import mlSchema from './schemas/ml.schema.json' with { type: 'json' };
import agentsSchema from './schemas/agents.schema.json' with { type: 'json' };
import dashboardsSchema from './schemas/dashboards.schema.json' with { type: 'json' };
import endpointsSchema from './schemas/endpoints.schema.json' with { type: 'json' };
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { SchemaFailure } from './entries.js';
import type { YamlLocator } from './yaml.js';

export type SchemaName = 'project' | 'sources' | 'models' | 'ml' | 'agents' | 'dashboards' | 'endpoints';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Compiled once per process, each schema when a file first needs it: ajv compilation costs far
 * more than validating one file, and a project without ML or agent files never pays for theirs.
 */
let ajv: Ajv | null = null;
const validators = new Map<SchemaName, ValidateFunction>();
const schemaIds: Record<SchemaName, string> = {
  project: 'plat_project.schema.json',
  sources: 'sources.schema.json',
  models: 'models.schema.json',
  ml: 'ml.schema.json',
  agents: 'agents.schema.json',
  dashboards: 'dashboards.schema.json',
  endpoints: 'endpoints.schema.json',
};

function validatorOf(schema: SchemaName): ValidateFunction {
  const known = validators.get(schema);
  if (known) return known;
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    ajv.addSchema(projectSchema, schemaIds.project);
    ajv.addSchema(sourcesSchema, schemaIds.sources);
    ajv.addSchema(modelsSchema, schemaIds.models);
    ajv.addSchema(mlSchema, schemaIds.ml);
    ajv.addSchema(agentsSchema, schemaIds.agents);
    ajv.addSchema(dashboardsSchema, schemaIds.dashboards);
    ajv.addSchema(endpointsSchema, schemaIds.endpoints);
  }
  const validate = ajv.getSchema(schemaIds[schema])!;
  validators.set(schema, validate);
  return validate;
}

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
