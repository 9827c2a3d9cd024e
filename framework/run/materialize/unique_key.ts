import { templateConfigPosition, usedUniqueKey } from '../../compile/config.js';
import type { FilePlace, ModelNode, Relation } from '../../compile/manifest.js';
import { LocatedError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import type { Connection } from '../../warehouse/connection.js';

/**
 * An incremental model's unique_key must name columns of what it builds: checked on the built
 * table or batch, before it is swapped in or merged, and reported where the key is set.
 */
export async function checkUniqueKey(connection: Connection, node: ModelNode, built: Relation): Promise<void> {
  const keys = usedUniqueKey(node);
  if (!keys) return;
  const columns = (await connection.columns(built)).map((c) => c.name);
  const missing = keys.filter((key) => !columns.includes(key));
  if (missing.length === 0) return;
  const at = uniqueKeyPlace(node);
  const names = missing.map((key) => `"${key}"`).join(', ');
  throw new LocatedError(
    `unique_key ${names} ${missing.length > 1 ? 'are not columns' : 'is not a column'} of the model (it returns ${columns.join(', ')})`,
    at.line,
    {
      file: at.file,
      column: at.column,
      hint: didYouMean(missing[0]!, columns) ?? 'set unique_key to the column(s) that identify a row',
    },
  );
}

/** A key set in the .sql is found again in its current text: a watch recompile of an edited model keeps the place it had. */
function uniqueKeyPlace(node: ModelNode): FilePlace {
  const at = node.uniqueKeyAt ?? { file: node.path, line: null, column: null };
  return at.file === node.path ? { file: node.path, ...templateConfigPosition(node.rawSql, 'unique_key') } : at;
}
