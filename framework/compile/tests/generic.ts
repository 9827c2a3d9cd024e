import { diagnostic, type Diagnostic } from '../../core/diagnostics.js';
import { sha256 } from '../../core/hash.js';
import { didYouMean } from '../../core/suggest.js';
import type { TestFile, TestSpec } from '../../project/spec.js';
import { isDeepStrictEqual } from 'node:util';
import { linkDependencies } from '../deps.js';
import type { Unresolved } from '../context.js';
import type { Linker } from '../link.js';
import type { ModelNode, SeedNode, SnapshotNode, SourceNode, TestNode } from '../manifest.js';

/** What a generic test may be declared on: a relation with columns. */
export type TestTarget = ModelNode | SourceNode | SeedNode | SnapshotNode;
import type { Dialect } from '../../warehouse/dialect.js';
import { hasStatement, renderModel, type RenderEnvironment } from '../render.js';
import { builtinTests } from './builtin.js';
import { parseTestConfig, TEST_CONFIG_KEYS } from './config.js';
import { chosenName, generatedName, type TestNames } from './names.js';
import { relationOf } from '../kinds.js';

export interface GenericTestContext {
  /** Seeds and snapshots by name: relationships may point at them. */
  tables: ReadonlyMap<string, SeedNode | SnapshotNode>;
  project: string;
  models: ReadonlyMap<string, { node: ModelNode }>;
  sources: ReadonlyMap<string, SourceNode>;
  unresolved: Unresolved;
  custom: ReadonlyMap<string, TestFile>;
  linker: Linker;
  environment: RenderEnvironment;
  diagnostics: Diagnostic[];
  names: TestNames;
  dialect: Dialect;
  /** Checksums of test configs by their JSON: thousands of tests share a handful of configs. */
  configChecksums: Map<string, string>;
}

export interface TestDeclaration {
  target: TestTarget;
  column: string | null;
  entry: TestSpec;
  file: string;
  /** Line and column, computed only when there is something to report (it re-parses the file). */
  place: () => { file: string; line: number | null; column: number | null };
}

/** One declared generic test (`not_null`, `{ accepted_values: { values: [...] } }`, a custom one) → a test node. */
export function genericTest(declaration: TestDeclaration, context: GenericTestContext): TestNode | null {
  const { target, column, entry, place, file } = declaration;
  const { name: testName, args: raw } = readEntry(entry);
  const report = (message: string, hint: string | null = null) =>
    context.diagnostics.push(diagnostic('BAD_CONFIG', { detail: message }, place(), hint));
  // Own keys only: `toString` is no built-in test, whatever a plain object inherits.
  const builtin = Object.hasOwn(builtinTests, testName) ? builtinTests[testName] : undefined;
  const custom = context.custom.get(testName);
  if (!builtin && !custom) {
    report(
      `unknown test "${testName}"`,
      didYouMean(testName, [...Object.keys(builtinTests), ...context.custom.keys()]) ?? 'define it as tests/generic/<name>.sql',
    );
    return null;
  }
  const config = parseTestConfig(raw, report);
  const args = Object.fromEntries(Object.entries(raw).filter(([key]) => !(TEST_CONFIG_KEYS as readonly string[]).includes(key)));
  if (builtin) {
    for (const key of Object.keys(args))
      if (!builtin.args.includes(key))
        report(
          `${testName} has no argument "${key}"`,
          didYouMean(key, [...builtin.args, ...TEST_CONFIG_KEYS]) ?? (builtin.args.length ? `arguments: ${builtin.args.join(', ')}` : null),
        );
    for (const key of builtin.required ?? []) if (args[key] === undefined) report(`${testName} needs "${key}"`);
    if (builtin.needsColumn && !column) {
      report(`${testName} checks a column; declare it under the column's tests`);
      return null;
    }
  }

  // relationships to a model or source table declared with errors: those are reported where they are.
  const to = builtin && typeof args.to === 'string' ? args.to : null;
  if (to && (to.includes('.') ? context.unresolved.faultySource(to) : context.unresolved.faultyRef(to))) return null;

  const dependsOn = new Set([target.uniqueId]);
  const { dialect } = context;
  const base = relationExpression(target, dialect);
  // {{this}} in the filter is the tested relation, as the target names it (a filter comparing with the newest batch, say).
  const model = config.where ? `(select * from ${base} where ${config.where.replace(/\{\{\s*this\s*\}\}/g, base)})` : base;
  let sql: string | null;
  if (builtin) {
    const result = builtin.build({
      model,
      column,
      c: column ? dialect.identifier(column) : '',
      args,
      dialect,
      resolveTo: (to) => {
        const found = to.includes('.') ? context.sources.get(to) : (context.models.get(to)?.node ?? context.tables.get(to));
        if (!found) return null;
        dependsOn.add(found.uniqueId);
        return relationExpression(found, dialect);
      },
    });
    if ('error' in result) {
      report(result.error, result.hint ?? null);
      return null;
    }
    sql = result.sql;
  } else {
    const variables = { ...args, model, column: column ? dialect.identifier(column) : null, column_name: column };
    // One template serves many declarations: what is wrong with it is said once.
    const problems: Diagnostic[] = [];
    const rendered = renderModel(custom!, context.environment, false, problems, () => ({}), variables);
    if (rendered && !hasStatement(rendered.sql))
      problems.push(
        diagnostic(
          'NO_SQL',
          { kind: 'generic test' },
          { file: custom!.path },
          'write a SELECT statement that returns the failing rows of {{model}}',
        ),
      );
    for (const id of rendered ? linkDependencies(custom!.path, rendered, context, problems) : []) dependsOn.add(id);
    for (const problem of problems) if (!context.diagnostics.some((d) => isDeepStrictEqual(d, problem))) context.diagnostics.push(problem);
    if (!rendered) return null;
    sql = context.linker.link(rendered, null).sql;
  }

  const name = config.name
    ? chosenName(config.name, place(), context.names, context.diagnostics)
    : generatedName(defaultName(testName, target, column), file, context.names);
  if (name === null) return null;
  return {
    kind: 'test',
    uniqueId: `test.${context.project}.${name}`,
    name,
    path: file,
    description: '',
    tags: [...target.tags, ...config.tags],
    dependsOn: [...dependsOn],
    fqn: [context.project, name],
    checksums: { body: sha256(sql), config: configChecksum(JSON.stringify(config), context.configChecksums) },
    testType: 'generic',
    testName,
    attachedTo: target.uniqueId,
    column,
    config: { severity: config.severity, warnIf: config.warnIf, errorIf: config.errorIf, storeFailures: config.storeFailures },
    compiledSql: sql,
    unit: null,
  };
}

function configChecksum(json: string, known: Map<string, string>): string {
  let checksum = known.get(json);
  if (checksum === undefined) known.set(json, (checksum = sha256(json)));
  return checksum;
}

/** How a test reads a node: its relation, or an ephemeral model's SQL in parentheses. */
export function relationExpression(node: TestTarget, dialect: Dialect): string {
  const relation = relationOf(node);
  return relation ? dialect.relation(relation) : `(\n${node.kind === 'model' ? node.compiledSql : ''}\n)`;
}

function readEntry(entry: TestSpec): { name: string; args: Record<string, unknown> } {
  if (typeof entry === 'string') return { name: entry, args: {} };
  const [name, value] = Object.entries(entry)[0]!;
  if (value && typeof value === 'object' && !Array.isArray(value)) return { name, args: value as Record<string, unknown> };
  // Shorthands: accepted_values: [a, b] · unique_combination: [a, b] · expression: "x > 0"
  if (Array.isArray(value)) return { name, args: name === 'unique_combination' ? { columns: value } : { values: value } };
  if (typeof value === 'string') return { name, args: { expression: value } };
  return { name, args: {} };
}

function defaultName(test: string, target: TestTarget, column: string | null): string {
  const subject = target.kind === 'source' ? `source_${target.sourceName}_${target.tableName}` : target.name;
  return [test, subject, column]
    .filter(Boolean)
    .join('_')
    .replace(/[^A-Za-z0-9_]+/g, '_');
}
