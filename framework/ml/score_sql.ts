/**
 * The SQL that scores rows with a trained version, in stages so that the warehouse computes each
 * encoded input once, each group of trees once, and each output once. Where that is one statement
 * longer than the engine takes (a multiclass ensemble of hundreds of trees is over a megabyte;
 * Trino refuses a statement over 1,000,000 characters, and compiles far less in one projection),
 * the encoded inputs and the trees' values
 * are built first into scratch tables, a few trees per table, and the outputs read them joined by
 * row: the same expressions summed in the same order, so the same numbers.
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

const ROW = '__plat_row';
/** Room left in a statement for what wraps the predictions (the CREATE TABLE, the contributions' join). */
const MARGIN = 20_000;

function stages(version: PredictiveVersion, dialect: Dialect) {
  const encoded = encodeSql(version.features, dialect);
  const inputs = encoded.map((_, j) => `__x${j}`);
  const { parts, link } = algorithms[version.algorithm].sql(version.trained, inputs, dialect);
  const partNames = parts.map((list, k) => list.map((_, j) => `__p${k}_${j}`));
  const outputs = link(partNames.map((names) => sqlSum(names)));
  const outputNames = outputs.map((_, k) => `__o${k}`);
  const columns = tasks[version.task].columns(outputNames, version.classes, dialect, version.threshold ?? 0.5);
  return { encoded, inputs, parts: parts.flat(), partNames: partNames.flat(), outputs, outputNames, columns };
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

  const stage1 = `SELECT ${select(aliased(s.encoded, s.inputs))}\nFROM (${from})`;
  const stage2 = `SELECT ${select(aliased(s.parts, s.partNames))}\nFROM (${stage1})`;
  const single = final(outputs(`(${stage2})`));
  const statement = dialect.maxStatementLength === null ? Infinity : dialect.maxStatementLength - MARGIN;
  const projection = dialect.maxProjectionLength ?? Infinity;
  if (single.length <= statement && single.length <= projection) return { before: [], select: single, scratch: [] };

  const inputs = scratch('__plat_inputs');
  const before = [
    dialect.createAs('table', inputs, `SELECT row_number() OVER () AS ${ROW}, ${select(aliased(s.encoded, s.inputs))}\nFROM (${from})`, {
      replace: true,
    }),
  ];
  const tables: Relation[] = [];
  const budget = Math.min(statement, projection);
  let chunk: string[] = [];
  let length = 0;
  const flush = () => {
    const table = scratch(`__plat_trees${tables.length}`);
    tables.push(table);
    before.push(
      dialect.createAs('table', table, `SELECT ${ROW},\n  ${chunk.join(',\n  ')}\nFROM ${dialect.relation(inputs)}`, { replace: true }),
    );
    chunk = [];
    length = 0;
  };
  aliased(s.parts, s.partNames).forEach((part) => {
    if (chunk.length > 0 && length + part.length > budget) flush();
    chunk.push(part);
    length += part.length + 4;
  });
  if (chunk.length > 0) flush();
  const joined = [dialect.relation(inputs), ...tables.map((t) => `JOIN ${dialect.relation(t)} USING (${ROW})`)].join('\n');
  return { before, select: final(outputs(joined)), scratch: [inputs, ...tables] };
}
