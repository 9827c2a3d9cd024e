import type { ModelNode } from '../../compile/manifest.js';
import { LocatedError } from '../../core/errors.js';
import type { Connection } from '../../warehouse/connection.js';
import type { ColumnChange } from '../../warehouse/dialect.js';
import type { ColumnInfo, Relation } from '../../warehouse/types.js';

/** How the columns an incremental run returns differ from its table's. */
export interface SchemaDiff {
  added: ColumnInfo[];
  removed: ColumnInfo[];
  retyped: { name: string; from: string; to: string }[];
}

export function diffColumns(table: ColumnInfo[], batch: ColumnInfo[]): SchemaDiff {
  const before = new Map(table.map((c) => [c.name, c.type]));
  const after = new Set(batch.map((c) => c.name));
  return {
    added: batch.filter((c) => !before.has(c.name)),
    removed: table.filter((c) => !after.has(c.name)),
    retyped: batch
      .filter((c) => before.has(c.name) && before.get(c.name) !== c.type)
      .map((c) => ({ name: c.name, from: before.get(c.name)!, to: c.type })),
  };
}

const columnList = (columns: ColumnInfo[]) => columns.map((c) => `${c.name} (${c.type})`).join(', ');

/**
 * Brings the table's columns in line with the batch's as `on_schema_change` says, inside the
 * run's transaction (a failure leaves the table as it was). Returns whether the table was
 * altered. `fail` stops at any difference; `append_new_columns` adds new columns and keeps
 * the rest, refusing a retyped column whose new values would change in the kept type;
 * `sync_all_columns` adds, drops and retypes (converting the existing values).
 */
export async function applySchemaChange(
  connection: Connection,
  node: ModelNode,
  batch: Relation,
  diff: SchemaDiff,
  note: (message: string) => void,
): Promise<boolean> {
  const { added, removed, retyped } = diff;
  if (added.length + removed.length + retyped.length === 0) return false;
  const table = `${node.relation.schema}.${node.relation.name}`;
  const mode = node.config.onSchemaChange;
  if (mode === 'fail') {
    const differences = [
      ...(added.length ? [`it returns new column${added.length > 1 ? 's' : ''} ${columnList(added)}`] : []),
      ...(removed.length ? [`it no longer returns ${columnList(removed)}`] : []),
      ...retyped.map((c) => `${c.name} is now ${c.to} (the table has ${c.from})`),
    ];
    throw new LocatedError(`the model's columns no longer match ${table}: ${differences.join('; ')}. The table was kept as it was`, null, {
      hint: `run with --full-refresh to rebuild ${table}, or set on_schema_change to "append_new_columns" (adds new columns, keeps the others) or "sync_all_columns" (adds, drops and retypes columns)`,
    });
  }
  const { dialect } = connection;
  const alter = async (change: ColumnChange) => {
    await connection.execute(dialect.alterTable(node.relation, change));
  };
  const done: string[] = [];
  if (added.length) {
    for (const column of added) await alter({ add: column });
    done.push(`added ${columnList(added)}`);
  }
  if (mode === 'append_new_columns') {
    if (removed.length) done.push(`kept ${columnList(removed)}, which the model no longer returns: new rows have NULL there`);
    for (const column of retyped) {
      const [found] = await connection.query(dialect.valuesChangedByType(batch, { name: column.name, type: column.to }, column.from));
      const lost = { rows: Number(found?.n ?? 0), example: found?.example ?? null };
      if (lost.rows > 0) {
        throw new LocatedError(
          `${column.name} is now ${column.to} but ${table} keeps it as ${column.from}, and ${lost.rows} new value${lost.rows > 1 ? 's' : ''} would not survive the conversion (e.g. ${String(lost.example)}). The table was kept as it was`,
          null,
          { hint: `set on_schema_change="sync_all_columns" to change the column's type, or run with --full-refresh` },
        );
      }
      done.push(`kept ${column.name} as ${column.from} (the model now returns ${column.to}; its new values convert unchanged)`);
    }
  } else {
    if (removed.length) {
      for (const column of removed) await alter({ drop: column.name });
      done.push(`dropped ${columnList(removed)}`);
    }
    for (const column of retyped) {
      try {
        await alter({ retype: { name: column.name, type: column.to } });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LocatedError(
          `cannot change ${column.name} of ${table} from ${column.from} to ${column.to}: ${reason}. The table was kept as it was`,
          null,
          {
            hint: 'run with --full-refresh to rebuild the table from the model',
          },
        );
      }
      done.push(`changed ${column.name} from ${column.from} to ${column.to}`);
    }
  }
  note(`${table} (on_schema_change="${mode}"): ${done.join('; ')}`);
  return added.length > 0 || (mode === 'sync_all_columns' && removed.length + retyped.length > 0);
}
