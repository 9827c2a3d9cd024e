/**
 * The SQL that scores rows with a trained version, in stages so that the warehouse computes each
 * encoded input once, each group of trees once, and each output once. Where that is one statement
 * longer than the engine takes (a multiclass ensemble of hundreds of trees is over a megabyte;
 * Trino refuses a statement over 1,000,000 characters, and compiles far less in one projection),
 * the encoded inputs and the trees' values are built first through a chain of scratch tables, a
 * few trees per step, without joins (a join of dozens of tables exhausts Trino's optimizer).
 * On an engine that says so (`sortScoredRowsFrom`), a large ensemble's rows are first sorted by
 * its most-used splits, so that a batch of rows mostly takes the same branches.
 */
import type { Dialect } from '../warehouse/dialect.js';
import type { Relation } from '../warehouse/types.js';
import { algorithms } from './algorithm.js';
import { sqlSum } from './algorithms/sql.js';
import { encodeSql } from './features.js';
import type { PredictiveVersion } from './registry.js';
import { tasks } from './tasks.js';

export interface PredictionSteps {
  /** Statements that build the scratch tables, in order; none when the predictions are one statement. */
  before: string[];
  /** `SELECT entity, <the task's prediction columns>`. */
  select: string;
  /** The scratch tables `before` creates, to drop once the predictions are stored. */
  scratch: Relation[];
}

/** Room left in a statement for what wraps the predictions (the CREATE TABLE, the contributions' join). */
const MARGIN = 20_000;

function stages(version: PredictiveVersion, dialect: Dialect) {
  const encoded = encodeSql(version.features, dialect);
  const inputs = encoded.map((_, j) => `__x${j}`);
  const { parts, link, branches } = algorithms[version.algorithm].sql(version.trained, inputs, dialect);
  const partNames = parts.map((list, k) => list.map((_, j) => `__p${k}_${j}`));
  const outputs = link(partNames.map((names) => sqlSum(names)));
  const outputNames = outputs.map((_, k) => `__o${k}`);
  const columns = tasks[version.task].columns(outputNames, version.classes, dialect, version.threshold ?? 0.5);
  const outputOf = parts.flatMap((list, k) => list.map(() => k));
  const from = dialect.sortScoredRowsFrom;
  const sorted = from !== null && branches.splits >= from;
  return {
    encoded,
    inputs,
    parts: parts.flat(),
    partNames: partNames.flat(),
    outputOf,
    link,
    outputs,
    outputNames,
    columns,
    sorted,
    branches,
  };
}

const aliased = (expressions: readonly string[], names: readonly string[]) => expressions.map((sql, j) => `${sql} AS ${names[j]}`);

/**
 * The predictions of the rows of `from`. `scratch(suffix)` names a table the steps may build
 * (beside the predictions table).
 */
export function predictionSteps(
  version: PredictiveVersion,
  entity: string,
  from: string,
  dialect: Dialect,
  scratch: (suffix: string) => Relation,
): PredictionSteps {
  const e = dialect.identifier(entity);
  const s = stages(version, dialect);
  const select = (list: readonly string[]) => [e, ...list].join(',\n  ');
  const outputs = (source: string) => `SELECT ${select(aliased(s.outputs, s.outputNames))}\nFROM ${source}`;
  const final = (stage3: string) => `SELECT ${e}, ${s.columns}\nFROM (${stage3})`;

  const encoded = `SELECT ${select(aliased(s.encoded, s.inputs))}\nFROM (${from})`;
  const stage1 = s.sorted ? `SELECT * FROM (${encoded})\nORDER BY ${s.branches.common.join(', ')}` : encoded;
  const stage2 = `SELECT ${select(aliased(s.parts, s.partNames))}\nFROM (${stage1})`;
  const single = final(outputs(`(${stage2})`));
  const statement = dialect.maxStatementLength === null ? Infinity : dialect.maxStatementLength - MARGIN;
  const projection = dialect.maxProjectionLength ?? Infinity;
  if (single.length <= statement && single.length <= projection) return { before: [], select: single, scratch: [] };

  // A chain of tables, each carrying the entity, the inputs and a running sum per output: step i
  // adds the trees step i − 1 computed (as columns) to the sums, and computes its own trees. The
  // sums add the same terms left to right as the one statement would: the same numbers.
  const carried = [e, ...s.inputs];
  const started = new Set<number>();
  let pending: { output: number; name: string }[] = [];
  const sumOf = (output: number) => {
    const terms = [
      ...(started.has(output) ? [`__plat_sum${output}`] : []),
      ...pending.filter((p) => p.output === output).map((p) => p.name),
    ];
    return terms.length === 1 ? terms[0]! : `(${terms.join(' + ')})`;
  };
  const sums = () => {
    const outputs = [...new Set([...started, ...pending.map((p) => p.output)])].sort((a, b) => a - b);
    return outputs.map((k) => `${sumOf(k)} AS __plat_sum${k}`);
  };
  const tables = [scratch('__plat_step0')];
  const before = [dialect.createAs('table', tables[0]!, stage1, { replace: true })];
  const budget = Math.min(statement, projection);
  const terms = s.parts.map((sql, j) => ({ sql, name: s.partNames[j]!, output: s.outputOf[j]! }));
  for (let at = 0; at < terms.length; ) {
    const chunk: typeof terms = [];
    for (let length = 0; at < terms.length && (chunk.length === 0 || length + terms[at]!.sql.length <= budget); at++) {
      chunk.push(terms[at]!);
      length += terms[at]!.sql.length;
    }
    const previous = tables[tables.length - 1]!;
    const table = scratch(`__plat_step${tables.length}`);
    const list = [...carried.slice(1), ...sums(), ...chunk.map((t) => `${t.sql} AS ${t.name}`)];
    before.push(
      dialect.createAs('table', table, `SELECT ${select(list)}\nFROM ${dialect.relation(previous)}`, { replace: true }),
      dialect.drop(previous, 'table', { ifExists: true }),
    );
    tables.push(table);
    for (const p of pending) started.add(p.output);
    pending = chunk.map((t) => ({ output: t.output, name: t.name }));
  }
  const raw = s.outputNames.map((_, k) => sumOf(k));
  const link = s.link(raw);
  const last = dialect.relation(tables[tables.length - 1]!);
  const stage3 = `SELECT ${select(aliased(link, s.outputNames))}\nFROM ${last}`;
  return { before, select: final(stage3), scratch: tables };
}
