import pg from 'pg';

/**
 * Whether `role` logs in to the database of `databaseUrl` with `password`, as a BI tool would.
 * `migrate` asks when it may not set the password itself: once an admin has set it, there is
 * nothing left to ask for. (Where the server trusts local connections, any password logs in.)
 */
export async function readerLogsIn(databaseUrl: string, role: string, password: string): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return false;
  }
  url.username = role;
  url.password = encodeURIComponent(password); // node-postgres decodes it; '%' would not be encoded by the setter
  url.searchParams.delete('user');
  url.searchParams.delete('password');
  const client = new pg.Client({ connectionString: url.toString(), application_name: 'mluvii-etl reader login check', connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a refused login must not become an unhandled 'error' event
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
