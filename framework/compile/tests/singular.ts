import { sha256 } from '../../core/hash.js';
import type { TestFile } from '../../project/spec.js';
import { linkDependencies } from '../deps.js';
import type { NodeCompileContext } from '../context.js';
import type { TestNode } from '../manifest.js';
import { hasStatement, renderModel } from '../render.js';
import { checkTestConfig, parseTestConfig } from './config.js';
import { diagnostic } from '../../core/diagnostics.js';

/** tests/<name>.sql: a query that returns the rows that break a rule. */
export function singularTest(file: TestFile, name: string, context: NodeCompileContext): TestNode | null {
  const rendered = renderModel(file, context.environment, false, context.diagnostics, checkTestConfig);
  if (!rendered) return null;
  if (!hasStatement(rendered.sql))
    context.diagnostics.push(
      diagnostic('NO_SQL', { kind: 'test' }, { file: file.path }, 'write a SELECT statement that returns the rows breaking the rule'),
    );
  const dependsOn = linkDependencies(file.path, rendered, context, context.diagnostics);
  const config = parseTestConfig(rendered.inlineConfig, (message, hint) =>
    context.diagnostics.push(diagnostic('BAD_CONFIG', { detail: message }, { file: file.path }, hint)),
  );
  const sql = context.linker.link(rendered, null).sql;
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
