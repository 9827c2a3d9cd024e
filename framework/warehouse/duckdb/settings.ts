/**
 * The target's `settings:` as DuckDB takes them: configuration options given when the database
 * opens. DuckDB refuses a bad one with "Failed to set config" and no name, so on a refusal each
 * setting is tried alone on an in-memory database to say which one, with a did-you-mean.
 */
import { DuckDBInstance } from './node_api.js';
import { PlatError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';

/** The refused setting as a PlatError, or null when every one opens alone (the failure was another). */
export async function settingsError(settings: Record<string, string>): Promise<PlatError | null> {
  for (const [name, value] of Object.entries(settings)) {
    try {
      (await DuckDBInstance.create(':memory:', { [name]: value })).closeSync();
    } catch {
      const known = await knownSettings();
      const where = `target.settings.${name} in plat_project.yml`;
      if (!known.has(name))
        return new PlatError(
          'DATABASE_OPEN',
          `DuckDB has no setting "${name}" (${where})`,
          didYouMean(name, known.keys()) ?? 'SELECT name FROM duckdb_settings() lists the settings DuckDB has',
        );
      return new PlatError('DATABASE_OPEN', `DuckDB refuses ${name}: ${value} (${where})`, `${name}: ${known.get(name)}`);
    }
  }
  return null;
}

async function knownSettings(): Promise<Map<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll('SELECT name, description FROM duckdb_settings()');
    return new Map(reader.getRows().map(([name, description]) => [String(name), String(description)]));
  } finally {
    instance.closeSync();
  }
}
