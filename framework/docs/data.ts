import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, ManifestNode } from '../compile/manifest.js';
import type { Registry } from '../ml/registry.js';
import type { Connection } from '../warehouse/connection.js';
import { rowCount as countRows } from '../warehouse/queries.js';
import type { NodeResult } from '../run/results.js';
import { lastRunResults } from '../run/run.js';
import { latestResults } from '../run/history.js';
import { relationOf } from '../compile/kinds.js';
import type { OutputColumn } from './lineage.js';
import { forecastSeries } from './forecast.js';
import type { DocNode, DocsData } from './types.js';

export type { DocNode, DocsData };

export interface DataInputs {
  manifest: Manifest;
  session: Connection | null;
  registry: Registry;
  lineage: Record<string, OutputColumn[]>;
  columnsOf: (node: string) => { name: string; type: string }[];
  now: Date;
}

export async function docsData(input: DataInputs): Promise<DocsData> {
  const { manifest } = input;
  const target = join(manifest.project.root, 'target');
  const runResults = lastRunResults(manifest);
  const freshness = readJson<{ results: { uniqueId: string }[] }>(join(target, 'sources.json'));
  // Each node's own latest result: the last command may have run only some of them.
  const lastResult = latestResults(target);
  const testsOf = new Map<string, { id: string; name: string; column: string | null }[]>();
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'test' || !node.attachedTo) continue;
    testsOf.set(node.attachedTo, [...(testsOf.get(node.attachedTo) ?? []), { id: node.uniqueId, name: node.name, column: node.column }]);
  }

  const nodes: DocNode[] = [];
  for (const node of Object.values(manifest.nodes)) {
    const relation = relationOf(node);
    const actual = input.columnsOf(node.uniqueId);
    const declared = 'columns' in node ? node.columns : [];
    const names = [...new Set([...actual.map((c) => c.name), ...declared.map((c) => c.name)])];
    const tests = testsOf.get(node.uniqueId) ?? [];
    const last = lastResult.get(node.uniqueId);
    nodes.push({
      id: node.uniqueId,
      kind: node.kind,
      name: node.name,
      path: node.path,
      description: node.description,
      tags: node.tags,
      fqn: node.fqn,
      relation: relation ? `${relation.schema}.${relation.name}` : null,
      materialized: node.kind === 'model' ? node.config.materialized : null,
      columns: names.map((name) => ({
        name,
        type: actual.find((c) => c.name === name)?.type ?? declared.find((c) => c.name === name)?.type ?? null,
        description: declared.find((c) => c.name === name)?.description ?? '',
        tests: tests
          .filter((t) => t.column === name)
          .map((t) => ({ id: t.id, name: t.name, status: lastResult.get(t.id)?.status ?? null })),
      })),
      rawSql: node.kind === 'model' || node.kind === 'agent_tool' || node.kind === 'snapshot' ? node.rawSql : null,
      compiledSql:
        node.kind === 'model' || node.kind === 'test' || node.kind === 'agent_tool' || node.kind === 'snapshot'
          ? node.compiledSql || null
          : null,
      rows: input.session && relation ? await rowCount(input.session, relation) : null,
      lastRun: last
        ? {
            status: last.status,
            rows: last.rows,
            executionTime: last.executionTime,
            completedAt: last.completedAt,
            failures: last.failures,
            action: last.action,
            message: last.error?.message ?? null,
          }
        : null,
      details: await details(node, input, tests, lastResult, freshness),
      select: selectable(node),
    });
  }
  return {
    version: 1,
    project: {
      name: manifest.project.name,
      generatedAt: input.now.toISOString(),
      database: manifest.target.type === 'duckdb' ? manifest.target.path : manifest.target.url,
    },
    nodes,
    lineage: input.lineage,
    lastRun: runResults
      ? {
          command: runResults.command,
          generatedAt: runResults.generatedAt,
          elapsed: runResults.elapsed,
          counts: countBy(runResults.results.map((r) => r.status)),
        }
      : null,
    parents: manifest.parents,
    children: manifest.children,
  };
}

/** Kind-specific facts: a source's loader, freshness and dead letters; a model's chart; ML metrics. */
async function details(
  node: ManifestNode,
  input: DataInputs,
  tests: { id: string; name: string; column: string | null }[],
  last: Map<string, NodeResult>,
  freshness: { results: { uniqueId: string }[] } | null,
): Promise<Record<string, unknown>> {
  const modelTests = tests.filter((t) => t.column === null).map((t) => ({ ...t, status: last.get(t.id)?.status ?? null }));
  switch (node.kind) {
    case 'source': {
      const deadLetters =
        node.loader.kafka && input.session
          ? await rowCount(input.session, { schema: node.relation.schema, name: `${node.relation.name}_dead_letter` })
          : null;
      return {
        loader: node.loader.kafka
          ? `kafka topic ${node.loader.kafka.topic}${node.loader.generator ? ' (generator when no broker)' : ''}`
          : node.loader.file
            ? `file ${node.loader.file.path}`
            : node.loader.generator
              ? 'generator'
              : 'external',
        generator: node.loader.generator
          ? { rows: node.loader.generator.rows, seed: node.loader.generator.seed ?? 42, fields: Object.keys(node.loader.generator.fields) }
          : null,
        freshness: freshness?.results.find((r) => r.uniqueId === node.uniqueId) ?? node.freshness,
        deadLetters,
        tests: modelTests,
      };
    }
    case 'model':
      return {
        tests: modelTests,
        chart:
          input.session && node.config.materialized !== 'ephemeral'
            ? await chartData(input.session, node, input.columnsOf(node.uniqueId))
            : null,
      };
    case 'test':
      return {
        testType: node.testType,
        testName: node.testName,
        attachedTo: node.attachedTo,
        column: node.column,
        severity: node.config.severity,
        failures: last.get(node.uniqueId)?.failures ?? null,
        sample: last.get(node.uniqueId)?.sample ?? null,
      };
    case 'ml_train': {
      const version = input.registry.promotedVersion(node.name) ?? input.registry.latest(node.name);
      return {
        task: node.task,
        algorithm: node.algorithm,
        label: node.label,
        promoteIf: node.promoteIf,
        version: version?.version ?? null,
        promoted: version?.promoted ?? false,
        metrics: version?.metrics ?? null,
        roc: version?.roc ?? null,
        classes: version?.classes ?? null,
        features: node.featureSet.features.map((f) => f.name),
        forecast: node.task === 'forecast' && input.session ? await forecastSeries(input.session, input.manifest, node, input.now) : null,
      };
    }
    case 'ml_score':
      return { model: node.model, version: input.registry.promoted(node.model) };
    case 'agent_tool':
      return {
        builtin: node.builtin,
        parameters: node.parameters,
        reads: node.reads.map((r) => `${r.schema}.${r.name}`),
        agents: Object.values(input.manifest.agents)
          .filter((a) => a.tools.some((t) => t.node === node.uniqueId))
          .map((a) => a.name),
      };
    case 'seed':
      return { tests: modelTests, columnTypes: node.columnTypes, delimiter: node.csv.delimiter };
    case 'snapshot':
      return {
        tests: modelTests,
        uniqueKey: node.config.uniqueKey,
        strategy: node.config.strategy,
        updatedAt: node.config.updatedAt,
        checkCols: node.config.checkCols,
        invalidateHardDeletes: node.config.invalidateHardDeletes,
      };
    case 'exposure':
      return { exposureType: node.exposureType, url: node.url, owner: node.owner };
    case 'endpoint':
      return { endpointType: node.endpointType, route: node.route, request: node.request };
  }
}

/** A mart with a time column and numeric measures gets a chart of its latest rows. */
async function chartData(session: Connection, node: Extract<ManifestNode, { kind: 'model' }>, columns: { name: string; type: string }[]) {
  const time = columns.find((c) => /^(TIMESTAMP|DATE)/.test(c.type));
  const measures = columns
    .filter((c) => c !== time && /^(DOUBLE|FLOAT|DECIMAL|INTEGER|BIGINT|HUGEINT|SMALLINT|REAL)/.test(c.type) && !/(_id|^id)$/.test(c.name))
    .slice(0, 3);
  if (!time || measures.length === 0) return null;
  const { dialect } = session;
  const q = (name: string) => dialect.identifier(name);
  const rows = await session.query(
    `SELECT ${dialect.epochMilliseconds(q(time.name))} AS t, ${measures.map((m) => `${dialect.cast(q(m.name), dialect.types.double)} AS ${q(m.name)}`).join(', ')} FROM ${dialect.relation(node.relation)} WHERE ${q(time.name)} IS NOT NULL ORDER BY 1 DESC LIMIT 200`,
  );
  return {
    time: time.name,
    measures: measures.map((m) => m.name),
    points: rows.reverse().map((r) => [Number(r.t), ...measures.map((m) => Number(r[m.name] ?? 0))]),
  };
}

async function rowCount(session: Connection, relation: { schema: string; name: string }): Promise<number | null> {
  try {
    return await countRows(session, relation);
  } catch {
    return null;
  }
}

/** The fields compile/select.ts reads beyond those every node has (the site adds those). */
function selectable(node: ManifestNode): Record<string, unknown> {
  switch (node.kind) {
    case 'model':
      return { relation: node.relation, config: { materialized: node.config.materialized } };
    case 'source':
      return { sourceName: node.sourceName, tableName: node.tableName };
    case 'test':
      return { testType: node.testType, testName: node.testName };
    default:
      return {};
  }
}

function readJson<T>(path: string): T | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
