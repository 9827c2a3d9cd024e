import { _, Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneModule from 'ajv/dist/standalone/index.js';
import projectSchema from './schemas/plat_project.schema.json' with { type: 'json' };
import sourcesSchema from './schemas/sources.schema.json' with { type: 'json' };
import modelsSchema from './schemas/models.schema.json' with { type: 'json' };
import mlSchema from './schemas/ml.schema.json' with { type: 'json' };
import agentsSchema from './schemas/agents.schema.json' with { type: 'json' };
import dashboardsSchema from './schemas/dashboards.schema.json' with { type: 'json' };
import endpointsSchema from './schemas/endpoints.schema.json' with { type: 'json' };
import type { SchemaName } from './schemas.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const standaloneCode = (standaloneModule as unknown as { default: (ajv: Ajv, refs: Record<string, string>) => string }).default;

const schemas: Record<SchemaName, { id: string; schema: object }> = {
  project: { id: 'plat_project.schema.json', schema: projectSchema },
  sources: { id: 'sources.schema.json', schema: sourcesSchema },
  models: { id: 'models.schema.json', schema: modelsSchema },
  ml: { id: 'ml.schema.json', schema: mlSchema },
  agents: { id: 'agents.schema.json', schema: agentsSchema },
  dashboards: { id: 'dashboards.schema.json', schema: dashboardsSchema },
  endpoints: { id: 'endpoints.schema.json', schema: endpointsSchema },
};

function schemaAjv(source: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    ...(source ? { code: { source: true, esm: false, formats: _`require("ajv-formats/dist/formats").fullFormats` } } : {}),
  });
  addFormats(ajv);
  for (const { id, schema } of Object.values(schemas)) ajv.addSchema(schema, id);
  return ajv;
}

/**
 * Each schema compiled when a file first needs it: ajv compilation costs far more than
 * validating one file, and a project without ML or agent files never pays for theirs. Used
 * where no validators were generated at build time (plat run from its TypeScript sources).
 */
export function compilingValidators(): (schema: SchemaName) => ValidateFunction {
  let ajv: Ajv | null = null;
  const validators = new Map<SchemaName, ValidateFunction>();
  return (schema) => {
    const known = validators.get(schema);
    if (known) return known;
    ajv ??= schemaAjv(false);
    const validate = ajv.getSchema(schemas[schema].id)!;
    validators.set(schema, validate);
    return validate;
  };
}

/**
 * A CommonJS module exporting one validator per schema name, as ajv's standalone code: what
 * `npm run build` writes to dist/framework/project/validators.cjs (scripts/validators.mjs), so
 * that a compile starts without compiling schemas, and a compile that validates no YAML (one
 * model edited) does not load it. Its runtime helpers come from ajv's own package.
 */
export function validatorsModule(): string {
  const refs = Object.fromEntries(Object.entries(schemas).map(([name, { id }]) => [name, id]));
  return `${standaloneCode(schemaAjv(true), refs)}\n`;
}
