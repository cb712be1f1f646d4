import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { EmbeddedConnection } from './embedded-connection';
import { errorResponse } from './embedded-protocol';

/** PostgreSQL's name for a server socket in a directory: clients connect with host=<directory>. */
export const SOCKET_FILE = '.s.PGSQL.5432';

export type EmbeddedServerOptions = {
  /** How long a client may hold the session idle inside a transaction before it is disconnected. */
  idleInTransactionMs?: number;
  maxConnections?: number;
  log?: (line: string) => void;
};

/** The default limit on a client idle in a transaction; the owner's requests wait meanwhile. */
export const DEFAULT_IDLE_IN_TRANSACTION_MS = 5_000;

/**
 * Serves the owner's PGlite over the PostgreSQL wire protocol on a Unix socket, so that other
 * processes (the CLI, psql) use the embedded database through its one owner instead of opening
 * the folder themselves. See embedded-connection.ts for how clients and the owner share PGlite's
 * one session. Access control is the socket's file mode (owner only): every client works as the
 * embedded superuser, exactly as the owner does.
 */
export class EmbeddedServer {
  private readonly connections = new Set<EmbeddedConnection>();
  private readonly server: Server;
  private nextId = 1;

  private constructor(
    private readonly pg: PGlite,
    readonly socketPath: string,
    private readonly serverParams: Record<string, string>,
    private readonly opts: EmbeddedServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(pg: PGlite, socketDir: string, opts: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
    const self = new EmbeddedServer(pg, path.join(socketDir, SOCKET_FILE), await reportedParameters(pg), opts);
    await new Promise<void>((resolve, reject) => {
      self.server.once('error', reject);
      self.server.listen(self.socketPath, () => {
        self.server.removeListener('error', reject);
        resolve();
      });
    });
    // Owner only, like the folder itself: whoever can connect works as the superuser.
    chmodSync(self.socketPath, 0o600);
    return self;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= (this.opts.maxConnections ?? 64)) {
      socket.end(errorResponse('FATAL', '53300', 'sorry, too many clients already'));
      return;
    }
    const connection = new EmbeddedConnection(socket, this.pg, {
      id: this.nextId++,
      hold: () => holdSession(this.pg),
      idleInTransactionMs: this.opts.idleInTransactionMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS,
      serverParams: this.serverParams,
      log: this.opts.log ?? (() => undefined),
    });
    this.connections.add(connection);
    void connection.closed.then(() => this.connections.delete(connection));
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, disconnects every client (rolling back what they left open), and waits until the session is clean. */
  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const clients = [...this.connections];
    for (const c of clients) c.end();
    await Promise.all(clients.map((c) => c.closed));
    await closing;
    rmSync(this.socketPath, { force: true });
  }
}

/** Takes both of PGlite's locks, as its own query() and transaction() do, until the returned function is called. */
function holdSession(pg: PGlite): Promise<() => void> {
  return new Promise((granted, failed) => {
    // _runExclusiveTransaction alone would let a query of the owner's slip in; runExclusive alone
    // (what pglite-socket 0.2 uses) would run this client's messages inside the owner's open
    // transaction, which holds only the transaction lock between its statements.
    pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => new Promise<void>((release) => granted(release)))).catch(failed);
  });
}

async function reportedParameters(pg: PGlite): Promise<Record<string, string>> {
  const names = ['server_version', 'server_encoding', 'DateStyle', 'IntervalStyle', 'TimeZone', 'integer_datetimes', 'standard_conforming_strings'];
  const { rows } = await pg.query<{ name: string; value: string }>(`SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name`, [names]);
  const params: Record<string, string> = { client_encoding: 'UTF8', is_superuser: 'on', session_authorization: 'postgres' };
  for (const r of rows) params[r.name] = r.value;
  return params;
}
