import { sha256 } from '../../core/hash.js';
import type { TestFile } from '../../project/spec.js';
import { linkDependencies } from '../deps.js';
import { inlineEphemerals, trimStatement } from '../ephemeral.js';
import type { NodeCompileContext } from '../context.js';
import type { TestNode } from '../manifest.js';
import { renderModel } from '../render.js';
import { checkTestConfig, parseTestConfig } from './config.js';
import { uniqueName } from './generic.js';
import { diagnostic } from '../../core/diagnostics.js';

/** tests/<name>.sql: a query that returns the rows that break a rule. */
export function singularTest(
  file: TestFile,
  context: NodeCompileContext & { names: Set<string> },
): TestNode | null {
  const rendered = renderModel(file, context.environment, false, context.diagnostics, checkTestConfig);
  if (!rendered) return null;
  const dependsOn = linkDependencies(file.path, rendered, context.models, context.sources, context.disabled, context.diagnostics);
  const config = parseTestConfig(rendered.inlineConfig, (message, hint) =>
    context.diagnostics.push(diagnostic('BAD_CONFIG', { detail: message }, { file: file.path }, hint)),
  );
  const refs = [...new Set(rendered.refs.map((r) => r.name))];
  const sql = inlineEphemerals(trimStatement(context.linker.resolve(rendered.sql, null)), rendered.lineMap, context.linker.ephemerals(refs)).sql;
  const name = uniqueName(file.name, context.names);
  return {
    kind: 'test',
    uniqueId: `test.${context.project}.${name}`,
    name,
    path: file.path,
    description: '',
    tags: config.tags,
    dependsOn,
    fqn: [context.project, name],
    checksums: { body: sha256(file.sql), config: sha256(JSON.stringify(config)) },
    testType: 'singular',
    testName: file.name,
    // Set once the DAG is known: the parent that no other parent depends on.
    attachedTo: null,
    column: null,
    config: { severity: config.severity, warnIf: config.warnIf, errorIf: config.errorIf, storeFailures: config.storeFailures },
    compiledSql: sql,
    unit: null,
  };
}
