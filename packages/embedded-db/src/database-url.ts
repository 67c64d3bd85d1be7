/**
 * Returns `baseUrl` with its database (the URL path) replaced by `dbName`. Credentials, host,
 * port and query parameters are kept.
 */
export function databaseUrl(baseUrl: string, dbName: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(dbName)}`;
  return url.toString();
}
