import type { ProjectSpec, TestSpec } from '../../project/spec.js';
import type { NodeCompileContext } from '../context.js';
import type { ModelNode, SourceNode, TestNode } from '../manifest.js';
import type { RenderedModel } from '../render.js';
import { genericTest, type GenericTestContext, type TestDeclaration } from './generic.js';
import { singularTest } from './singular.js';
import { unitTest } from './unit.js';

export interface TestsInput extends NodeCompileContext {
  spec: ProjectSpec;
  models: ReadonlyMap<string, { node: ModelNode; first: RenderedModel }>;
}

/** Every test of the project as a test node: generic (models and sources), singular, unit. */
export function compileTests(input: TestsInput): TestNode[] {
  const { spec } = input;
  const names = new Set<string>();
  const context: GenericTestContext = {
    project: input.project,
    models: input.models,
    sources: input.sources,
    custom: new Map(spec.genericTests.map((t) => [t.name, t])),
    linker: input.linker,
    environment: input.environment,
    diagnostics: input.diagnostics,
    names,
  };
  const tests: TestNode[] = [];
  for (const declaration of declarations(input)) {
    const test = genericTest(declaration, context);
    if (test) tests.push(test);
  }
  for (const file of spec.singularTests) {
    const test = singularTest(file, { ...input, names });
    if (test) tests.push(test);
  }
  for (const unit of spec.unitTests) {
    const test = unitTest(unit, { ...input, names });
    if (test) tests.push(test);
  }
  return tests;
}

function* declarations(input: TestsInput): Generator<TestDeclaration> {
  const { spec } = input;
  const place = (file: string, path: (string | number)[]) => () => ({ file, line: null, column: null, ...spec.locator.locate(file, path) });
  const entries = (target: ModelNode | SourceNode, file: string, base: (string | number)[], tests: TestSpec[] | undefined, columns: { name: string; tests?: TestSpec[] }[] | undefined) => {
    const found: TestDeclaration[] = [];
    (tests ?? []).forEach((entry, k) => found.push({ target, column: null, entry, file, place: place(file, [...base, 'tests', k]) }));
    (columns ?? []).forEach((column, j) =>
      (column.tests ?? []).forEach((entry, k) => found.push({ target, column: column.name, entry, file, place: place(file, [...base, 'columns', j, 'tests', k]) })),
    );
    return found;
  };
  for (const table of spec.sources) {
    const node = input.sources.get(`${table.sourceName}.${table.name}`);
    if (node) yield* entries(node, table.origin.file, table.origin.path, table.tests, table.columns);
  }
  for (const { node } of input.models.values()) {
    const properties = spec.properties.get(node.name);
    if (properties) yield* entries(node, properties.origin.file, properties.origin.path, properties.tests, properties.columns);
  }
}
