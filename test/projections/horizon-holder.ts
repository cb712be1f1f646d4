import { Client } from 'pg';

/**
 * A session that opens a transaction and takes a transaction id, then sits idle in it: what an
 * operator's forgotten psql session does. Every event-store reader in the cluster waits for it.
 */
export async function holdHorizon(url: string, applicationName: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_current_xact_id()');
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  let released = false;
  return {
    pid: rows[0].pid,
    release: async () => {
      if (released) return;
      released = true;
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}
