/** Where a PostgreSQL backend connects, read from `HERALD_DATABASE_URL`. */
export interface PostgresTarget {
  /** The URL as `pg` takes it, without Herald's own parameters. */
  connectionString: string;
  /** The schema Herald's tables live in (created by `migrate()` when missing); null = the server's search_path. */
  schema: string | null;
  /** Connections in the pool (default 10). */
  poolSize: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Splits Herald's parameters off a `postgres://` URL: `schema` (a lowercase SQL identifier) and
 * `pool_size` (1–100). Every other parameter (`sslmode`, `application_name`, …) goes to `pg` as is.
 * Example: `postgres://herald@db:5432/herald?schema=herald&pool_size=20`.
 */
export function parsePostgresUrl(url: string, overrides: { schema?: string; poolSize?: number } = {}): PostgresTarget {
  const parsed = new URL(url);
  const schema = overrides.schema ?? parsed.searchParams.get('schema');
  const poolSizeText = parsed.searchParams.get('pool_size');
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool_size');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must be a lowercase SQL identifier (letters, digits, _), got ${JSON.stringify(schema)}`);
  }
  const poolSize = overrides.poolSize ?? (poolSizeText === null ? 10 : Number(poolSizeText));
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100) throw new Error(`pool_size must be an integer from 1 to 100, got ${poolSizeText}`);
  return { connectionString: parsed.toString(), schema: schema ?? null, poolSize };
}
