/** `HERALD_DATABASE_URL` as it may be printed: a postgres:// URL with its password masked; a file path as given. */
export function printableDatabaseUrl(databaseUrl: string): string {
  if (!URL.canParse(databaseUrl) || !/^postgres(ql)?:/.test(databaseUrl)) return databaseUrl;
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
