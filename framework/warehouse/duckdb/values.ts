/** How values cross between JavaScript and DuckDB: printed for `plat query`, typed for the appender. */
import {
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBAppender,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from './node_api.js';

/** Types whose JS values (Date, microsecond bigints, byte arrays) read worse than the database's own text. */
const PRINTED_AS_TEXT = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIME_NS,
  DuckDBTypeId.TIME_TZ,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.INTERVAL,
  DuckDBTypeId.BLOB,
  DuckDBTypeId.BIT,
]);

/** JS values, except those types as text, inside lists and structs too. */
export const printedValue: DuckDBValueConverter<JS> = (value, type) => {
  if (value === null) return null;
  return PRINTED_AS_TEXT.has(type.typeId) ? printedText(value) : JSDuckDBValueConverter(value, type, printedValue);
};

function printedText(value: DuckDBValue): string {
  // DuckDB spells these infinity; the client library would print a date thousands of years away.
  if (value instanceof DuckDBDateValue && !value.isFinite) return value.days > 0 ? 'infinity' : '-infinity';
  if ((value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) && !value.isFinite)
    return value.micros > 0n ? 'infinity' : '-infinity';
  return String(value);
}

/**
 * How to append a JS value to a column of a given type: the typed calls are the fast path;
 * anything else goes in as text and DuckDB casts it (timestamps from ISO-8601, for one).
 */
export function columnWriter(appender: DuckDBAppender, type: DuckDBTypeId): (value: unknown) => void {
  switch (type) {
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? appender.appendInteger(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.BIGINT:
      return (v) =>
        typeof v === 'number' && Number.isInteger(v)
          ? appender.appendBigInt(BigInt(v))
          : typeof v === 'bigint'
            ? appender.appendBigInt(v)
            : appender.appendVarchar(String(v));
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return (v) => (typeof v === 'number' ? appender.appendDouble(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.BOOLEAN:
      return (v) => (typeof v === 'boolean' ? appender.appendBoolean(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.DATE:
      return (v) => appender.appendVarchar(v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
    default:
      return (v) =>
        appender.appendVarchar(
          typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v),
        );
  }
}

/** Appends rows, in the table's column order, through typed writers; returns how many. */
export function appendRows(appender: DuckDBAppender, rows: Iterable<readonly unknown[]>): number {
  const writers = Array.from({ length: appender.columnCount }, (_, i) => columnWriter(appender, appender.columnType(i).typeId));
  let appended = 0;
  for (const row of rows) {
    for (let i = 0; i < writers.length; i++) {
      const value = row[i];
      if (value === null || value === undefined) appender.appendNull();
      else writers[i]!(value);
    }
    appender.endRow();
    appended++;
  }
  return appended;
}
