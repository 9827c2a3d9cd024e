import { diagnostic, type Diagnostic } from '../../core/diagnostics.js';
import { sha256 } from '../../core/hash.js';
import { didYouMean } from '../../core/suggest.js';
import type { ProjectSpec, UnitTestProperties } from '../../project/spec.js';
import type { Unresolved } from '../context.js';
import type { EphemeralBody } from '../ephemeral.js';
import { givenKey, type Linker } from '../link.js';
import type { ManifestColumn, ModelNode, SourceNode, TestNode, UnitTestSpec } from '../manifest.js';
import type { RenderedModel } from '../render.js';
import type { Dialect } from '../../warehouse/dialect.js';

/**
 * A unit test runs a model's SQL on fixed input rows: every ref/source the model reads is
 * replaced by a CTE of the given rows (ephemeral models in between are inlined as usual), so
 * nothing real has to be built.
 */
export function unitTest(
  test: UnitTestProperties,
  name: string,
  context: {
    project: string;
    spec: ProjectSpec;
    models: ReadonlyMap<string, { node: ModelNode; first: RenderedModel }>;
    sources: ReadonlyMap<string, SourceNode>;
    unresolved: Unresolved;
    linker: Linker;
    diagnostics: Diagnostic[];
    dialect: Dialect;
  },
): TestNode | null {
  const at = (path: (string | number)[]) => ({
    file: test.origin.file,
    ...context.spec.locator.locate(test.origin.file, [...test.origin.path, ...path]),
  });
  const report = (path: (string | number)[], message: string, hint: string | null = null) =>
    context.diagnostics.push(diagnostic('BAD_CONFIG', { detail: `unit test ${test.name}: ${message}` }, at(path), hint));
  const model = context.models.get(test.model);
  if (!model) {
    // A model whose template failed has its error reported already.
    if (!context.unresolved.faultyRef(test.model))
      report(['model'], `no model "${test.model}"`, didYouMean(test.model, context.models.keys()));
    return null;
  }

  const readable = inputsRead(model.node, context.models, null);
  const given = new Map<string, string>();
  const fixtures: EphemeralBody[] = [];
  const inferredText: UnitTestSpec['inferredText'] = [];
  test.given.forEach((input, index) => {
    if ((input.ref === undefined) === (input.source === undefined)) {
      report(['given', index], 'each given input names exactly one of ref: or source:');
      return;
    }
    const key = input.ref !== undefined ? givenKey.ref(input.ref) : givenKey.source(input.source!);
    const label = input.ref ?? input.source!;
    if (!readable.has(key)) {
      const candidates = [...readable].map((k) => k.slice(k.indexOf(':') + 1));
      report(
        ['given', index],
        `${test.model} does not read ${input.ref !== undefined ? 'model' : 'source'} "${label}"`,
        didYouMean(label, candidates) ?? `it reads: ${candidates.join(', ')}`,
      );
      return;
    }
    const declared =
      input.ref !== undefined ? (context.models.get(input.ref)?.node.columns ?? []) : (context.sources.get(input.source!)?.columns ?? []);
    const cte = `__plat_given_${label.replace(/[^A-Za-z0-9_]/g, '_')}`;
    given.set(key, cte);
    const rows = rowsSql(input.rows, declared, context.dialect);
    fixtures.push({ cte, sql: rows.sql, origin: null });
    if (rows.inferredText.length) inferredText.push({ input: label, columns: rows.inferredText });
  });
  const needed = inputsRead(model.node, context.models, given);
  const missing = [...needed].filter((key) => !given.has(key));
  for (const key of missing)
    report(['given'], `needs rows for ${key.replace(':', ' ')}`, 'add it under given: (rows: [] for an empty input)');
  if (missing.length || given.size !== test.given.length) return null;

  const modelSql = context.linker.link(model.first, model.node.relation, { given, fixtures }).sql;
  const columns = [...new Set(test.expect.rows.flatMap((row) => Object.keys(row)))];
  return {
    kind: 'test',
    uniqueId: `test.${context.project}.${name}`,
    name,
    path: test.origin.file,
    description: test.description ?? '',
    tags: model.node.tags,
    dependsOn: [],
    fqn: [context.project, name],
    checksums: { body: sha256(JSON.stringify({ given: test.given, expect: test.expect })), config: sha256(model.node.checksums.body) },
    testType: 'unit',
    testName: test.name,
    attachedTo: model.node.uniqueId,
    column: null,
    config: { severity: 'error', warnIf: '!=0', errorIf: '!=0', storeFailures: false },
    compiledSql: '',
    unit: {
      given: test.given.map((input) => input.ref ?? input.source!),
      modelSql,
      expect: { columns, rows: test.expect.rows.map((row) => columns.map((c) => row[c] ?? null)), ordered: test.expect.ordered ?? false },
      inferredText,
    },
  };
}

/**
 * The inputs a model reads, directly or through ephemeral models (which are inlined unless
 * given). With `given` null: everything that could be given, ephemeral models included.
 */
function inputsRead(
  node: ModelNode,
  models: ReadonlyMap<string, { node: ModelNode }>,
  given: ReadonlyMap<string, string> | null,
): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const visit = (current: ModelNode) => {
    for (const source of current.sources) keys.add(givenKey.source(source));
    for (const ref of current.refs) {
      const target = models.get(ref)?.node;
      const inlined = target?.config.materialized === 'ephemeral' && !given?.has(givenKey.ref(ref));
      if (!inlined || given === null) keys.add(givenKey.ref(ref));
      if (inlined && !seen.has(ref)) {
        seen.add(ref);
        visit(target);
      }
    }
  };
  visit(node);
  return keys;
}

/**
 * Fixture rows as SQL, typed by the input's declared column types where it declares them; the
 * undeclared columns given as strings are text, which the model may compare with timestamps or
 * numbers: those are named, so a failing run can say which declaration is missing.
 */
function rowsSql(rows: Record<string, unknown>[], declared: ManifestColumn[], dialect: Dialect): { sql: string; inferredText: string[] } {
  const types = new Map(declared.filter((c) => c.type).map((c) => [c.name, c.type!]));
  const columns = [...new Set([...declared.map((c) => c.name), ...rows.flatMap((row) => Object.keys(row))])];
  const typeOf = (column: string) =>
    types.get(column) ??
    inferType(
      rows.map((row) => row[column]),
      dialect,
    );
  const select = (row: Record<string, unknown> | null) =>
    `select ${columns.map((c) => `${dialect.cast(dialect.literal(row ? row[c] : null), typeOf(c))} as ${dialect.identifier(c)}`).join(', ')}`;
  const inferredText = columns.filter((c) => !types.has(c) && rows.some((row) => typeof row[c] === 'string'));
  if (rows.length === 0) return { sql: `${select(null)} where false`, inferredText };
  return { sql: rows.map(select).join('\nunion all '), inferredText };
}

function inferType(values: unknown[], dialect: Dialect): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length && present.every((v) => typeof v === 'boolean')) return dialect.types.boolean;
  if (present.length && present.every((v) => typeof v === 'number' && Number.isInteger(v))) return dialect.types.bigint;
  if (present.length && present.every((v) => typeof v === 'number')) return dialect.types.double;
  return dialect.types.text;
}
