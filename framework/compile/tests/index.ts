import type { ProjectSpec, TestSpec } from '../../project/spec.js';
import type { NodeCompileContext } from '../context.js';
import type { ModelNode, SeedNode, SnapshotNode, TestNode } from '../manifest.js';
import type { RenderedModel } from '../render.js';
import { genericTest, type GenericTestContext, type TestDeclaration, type TestTarget } from './generic.js';
import { singularTest } from './singular.js';
import { unitTest } from './unit.js';
import { chosenName, type TestNames } from './names.js';

export interface TestsInput extends NodeCompileContext {
  spec: ProjectSpec;
  models: ReadonlyMap<string, { node: ModelNode; first: RenderedModel }>;
  /** Seeds and snapshots, whose properties may declare tests too. */
  tables: readonly (SeedNode | SnapshotNode)[];
}

/** Every test of the project as a test node: generic (models and sources), singular, unit. */
export function compileTests(input: TestsInput): TestNode[] {
  const { spec, diagnostics } = input;
  const names: TestNames = new Map();
  // Names people chose are claimed before plat makes any up, so the made-up ones step around them.
  const singular = spec.singularTests.map((file) => ({ file, name: chosenName(file.name, { file: file.path }, names, diagnostics) }));
  const unit = spec.unitTests.map((test) => {
    const place = { file: test.origin.file, ...spec.locator.locate(test.origin.file, [...test.origin.path, 'name']) };
    return { test, name: chosenName(test.name, place, names, diagnostics) };
  });
  const context: GenericTestContext = {
    project: input.project,
    models: input.models,
    sources: input.sources,
    unresolved: input.unresolved,
    custom: new Map(spec.genericTests.map((t) => [t.name, t])),
    tables: new Map(input.tables.map((t) => [t.name, t])),
    linker: input.linker,
    environment: input.environment,
    diagnostics: input.diagnostics,
    names,
    dialect: input.dialect,
    configChecksums: new Map(),
  };
  const tests: TestNode[] = [];
  for (const declaration of declarations(input)) {
    const test = genericTest(declaration, context);
    if (test) tests.push(test);
  }
  for (const { file, name } of singular) {
    const test = name === null ? null : singularTest(file, name, input);
    if (test) tests.push(test);
  }
  for (const { test: declared, name } of unit) {
    const test = name === null ? null : unitTest(declared, name, input);
    if (test) tests.push(test);
  }
  return tests;
}

/** Every generic test declared in YAML, in the order sources, models, seeds and snapshots are listed. */
function declarations(input: TestsInput): TestDeclaration[] {
  const { spec } = input;
  const found: TestDeclaration[] = [];
  // The path is made only when asked for (a diagnostic to place), not for each of thousands of tests.
  const place = (file: string, path: () => (string | number)[]) => () => ({
    file,
    line: null,
    column: null,
    ...spec.locator.locate(file, path()),
  });
  const entries = (
    target: TestTarget,
    file: string,
    base: (string | number)[],
    tests: TestSpec[] | undefined,
    columns: { name: string; tests?: TestSpec[] }[] | undefined,
  ) => {
    tests?.forEach((entry, k) => {
      found.push({ target, column: null, entry, file, place: place(file, () => [...base, 'tests', k]) });
    });
    columns?.forEach((column, j) => {
      column.tests?.forEach((entry, k) => {
        found.push({ target, column: column.name, entry, file, place: place(file, () => [...base, 'columns', j, 'tests', k]) });
      });
    });
  };
  for (const table of spec.sources) {
    const node = input.sources.get(`${table.sourceName}.${table.name}`);
    if (node) entries(node, table.origin.file, table.origin.path, table.tests, table.columns);
  }
  for (const { node } of input.models.values()) {
    const properties = spec.properties.get(node.name);
    if (properties) entries(node, properties.origin.file, properties.origin.path, properties.tests, properties.columns);
  }
  for (const node of input.tables) {
    const properties = (node.kind === 'seed' ? spec.seedProperties : spec.snapshotProperties).get(node.name);
    if (properties) entries(node, properties.origin.file, properties.origin.path, properties.tests, properties.columns);
  }
  return found;
}
