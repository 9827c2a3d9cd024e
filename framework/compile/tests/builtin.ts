import { parseDuration } from '../../core/duration.js';
import type { Dialect } from '../../warehouse/dialect.js';

/**
 * The built-in generic tests. Each returns one query selecting the failing rows (or groups);
 * a test passes when it returns none.
 */
export interface GenericTestInput {
  /** The tested relation, or a parenthesised query for an ephemeral model. */
  model: string;
  column: string | null;
  args: Record<string, unknown>;
  /** Resolves `to:` of relationships: a model name or source.table → its SQL name. */
  resolveTo: (to: string) => string | null;
  dialect: Dialect;
}

export type GenericTestResult = { sql: string } | { error: string; hint?: string };

type Builtin = {
  needsColumn: boolean;
  args: readonly string[];
  required?: readonly string[];
  build: (input: GenericTestInput & { c: string }) => GenericTestResult;
};

/** Numbers and booleans as they are, anything else as the text YAML gave. */
const literal = (dialect: Dialect, value: unknown): string =>
  dialect.literal(typeof value === 'number' || typeof value === 'boolean' ? value : String(value));

export const builtinTests: Record<string, Builtin> = {
  not_null: { needsColumn: true, args: [], build: ({ model, c }) => ({ sql: `select *\nfrom ${model}\nwhere ${c} is null` }) },
  unique: {
    needsColumn: true,
    args: [],
    build: ({ model, c }) => ({
      sql: `select ${c} as unique_value, count(*) as n_records\nfrom ${model}\nwhere ${c} is not null\ngroup by ${c}\nhaving count(*) > 1`,
    }),
  },
  accepted_values: {
    needsColumn: true,
    args: ['values'],
    required: ['values'],
    build: ({ model, c, args, dialect }) => {
      const values = args.values;
      if (!Array.isArray(values) || values.length === 0) return { error: 'accepted_values needs a non-empty list: values: [a, b]' };
      return {
        sql: `select *\nfrom ${model}\nwhere ${c} is not null and ${c} not in (${values.map((v) => literal(dialect, v)).join(', ')})`,
      };
    },
  },
  relationships: {
    needsColumn: true,
    args: ['to', 'field'],
    required: ['to', 'field'],
    build: ({ model, c, args, resolveTo, dialect }) => {
      const to = resolveTo(String(args.to));
      if (!to) return { error: `relationships: "${String(args.to)}" is not a model, seed, snapshot or source table` };
      return {
        sql: `select child.*\nfrom ${model} as child\nwhere child.${c} is not null\n  and not exists (select 1 from ${to} as parent where parent.${dialect.identifier(String(args.field))} = child.${c})`,
      };
    },
  },
  expression: {
    needsColumn: false,
    args: ['expression'],
    required: ['expression'],
    build: ({ model, args }) => ({ sql: `select *\nfrom ${model}\nwhere not (${String(args.expression)})` }),
  },
  range: {
    needsColumn: true,
    args: ['min', 'max', 'inclusive', 'min_inclusive', 'max_inclusive'],
    build: ({ model, c, args, dialect }) => {
      if (args.min === undefined && args.max === undefined) return { error: 'range needs min, max or both' };
      const inclusive = args.inclusive !== false;
      const minInclusive = args.min_inclusive === undefined ? inclusive : args.min_inclusive !== false;
      const maxInclusive = args.max_inclusive === undefined ? inclusive : args.max_inclusive !== false;
      const conditions = [
        ...(args.min === undefined ? [] : [`${c} ${minInclusive ? '<' : '<='} ${literal(dialect, args.min)}`]),
        ...(args.max === undefined ? [] : [`${c} ${maxInclusive ? '>' : '>='} ${literal(dialect, args.max)}`]),
      ];
      return { sql: `select *\nfrom ${model}\nwhere ${conditions.join(' or ')}` };
    },
  },
  row_count: {
    needsColumn: false,
    args: ['min', 'max'],
    build: ({ model, args }) => {
      if (args.min === undefined && args.max === undefined) return { error: 'row_count needs min, max or both' };
      const conditions = [
        ...(args.min === undefined ? [] : [`count(*) < ${Number(args.min)}`]),
        ...(args.max === undefined ? [] : [`count(*) > ${Number(args.max)}`]),
      ];
      return { sql: `select count(*) as row_count\nfrom ${model}\nhaving ${conditions.join(' or ')}` };
    },
  },
  unique_combination: {
    needsColumn: false,
    args: ['columns'],
    required: ['columns'],
    build: ({ model, args, dialect }) => {
      if (!Array.isArray(args.columns) || args.columns.length === 0) return { error: 'unique_combination needs columns: [a, b]' };
      const columns = args.columns.map((c) => dialect.identifier(String(c))).join(', ');
      return { sql: `select ${columns}, count(*) as n_records\nfrom ${model}\ngroup by ${columns}\nhaving count(*) > 1` };
    },
  },
  recency: {
    needsColumn: false,
    args: ['field', 'max_age'],
    required: ['field', 'max_age'],
    build: ({ model, args, dialect }) => {
      let ms: number;
      try {
        ms = parseDuration(String(args.max_age));
      } catch {
        return { error: `recency: max_age "${String(args.max_age)}" is not a duration`, hint: 'e.g. 30m, 6h, 2d' };
      }
      const field = dialect.parseTimestamp(dialect.identifier(String(args.field)));
      const oldest = dialect.nowMinus(ms);
      return {
        sql: `select max(${field}) as latest, ${oldest} as oldest_allowed\nfrom ${model}\nhaving max(${field}) is null or max(${field}) < ${oldest}`,
      };
    },
  },
};
