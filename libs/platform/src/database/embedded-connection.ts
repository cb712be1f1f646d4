import type { Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import {
  BATCH_END,
  FORWARDED,
  ProtocolViolation,
  authenticationOk,
  closeStatement,
  copyFail,
  errorResponse,
  hasMessage,
  lastReady,
  messageLength,
  negotiateProtocol,
  parameterStatus,
  readStartupPacket,
  readyForQuery,
  scopeNames,
  shortestSessionTimeoutMs,
  simpleQuery,
  sqlOf,
  syncMessage,
} from './embedded-protocol';
import type { NameScope } from './embedded-protocol';

// One client of the embedded server. PGlite is ONE PostgreSQL session, shared by the owner's own
// queries and every client, so a client takes the whole session (both of PGlite's locks, which
// the owner's queries and transactions also take) from its first message until PGlite reports the
// session idle again (ReadyForQuery 'I'). A client's BEGIN therefore never captures the owner's
// statements, nor the owner's open transaction the client's: each waits for the other.
//
// While a client has the session, PGlite must never sit idle with a session timeout armed:
// PGlite cannot survive one firing (idle_in_transaction_session_timeout hangs it,
// idle_session_timeout and transaction_timeout end the owner's process; checked on PGlite 0.5.16).
// PGlite arms them when it reports ReadyForQuery, and its timers are JavaScript timers, which
// cannot run until this code yields to the event loop. So right after a batch, without yielding,
// the server disarms them: in a transaction with SET LOCAL ... = 0, and when the client lets go of
// the session with RESET ALL (which also keeps a client's session settings from leaking to the
// owner). This server's own limit replaces the client's: a client idle in a transaction for
// longer than `idleInTransactionMs` is disconnected and its transaction rolled back.

export type ConnectionOptions = {
  id: number;
  /** Takes the whole PGlite session; resolves to the function that gives it back. */
  hold: () => Promise<() => void>;
  idleInTransactionMs: number;
  /** ParameterStatus values sent at start-up. */
  serverParams: Record<string, string>;
  log: (line: string) => void;
};

type Job = { kind: 'batch'; messages: Buffer[] } | { kind: 'end' };

const DISARM_IN_TRANSACTION = 'SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL transaction_timeout = 0';
const RESET_SESSION = 'SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL';
const SERVED_DATABASE = 'postgres';
// Between this server's idle limit firing and its ROLLBACK reaching PGlite.
const SAFETY_MARGIN_MS = 1_000;

export class EmbeddedConnection {
  /** Resolves once the client is gone and the session is clean again. */
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private batch: Buffer[] = [];
  private jobs: Job[] = [];
  private pumping = false;
  private release: (() => void) | null = null;
  private status: 'I' | 'T' | 'E' = 'I';
  /** PGlite waits for this client's COPY data. */
  private copyIn = false;
  private ended = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly names: NameScope;

  constructor(
    private readonly socket: Socket,
    private readonly pg: PGlite,
    private readonly opts: ConnectionOptions,
  ) {
    this.names = { prefix: `c${opts.id}/`, unnamedParsed: false, named: new Set() };
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.end());
    socket.on('error', () => this.end());
  }

  /** Disconnects the client; its transaction, if any, is rolled back. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    // Batches that have not run yet are dropped: their client will never read the answer.
    this.jobs = [{ kind: 'end' }];
    this.socket.end();
    this.socket.destroy();
    this.pump();
  }

  private onData(data: Buffer): void {
    if (this.ended) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    try {
      if (!this.started && !this.startUp()) return;
      for (let len = messageLength(this.buffer); len > 0; len = messageLength(this.buffer)) {
        const msg = Buffer.from(this.buffer.subarray(0, len));
        this.buffer = this.buffer.subarray(len);
        const type = String.fromCharCode(msg[0]);
        // Terminate is never forwarded: it would end PGlite's one session, the owner's too.
        if (type === 'X') return this.end();
        if (!FORWARDED.has(type)) throw new ProtocolViolation(`unexpected message type "${type}"`);
        this.batch.push(msg);
        if (BATCH_END.has(type)) {
          this.jobs.push({ kind: 'batch', messages: this.batch });
          this.batch = [];
        }
      }
      this.pump();
    } catch (e) {
      if (!(e instanceof ProtocolViolation)) throw e;
      this.fatal('08P01', e.message);
    }
  }

  // The start-up exchange is answered here and never reaches PGlite, whose session is shared.
  private startUp(): boolean {
    for (;;) {
      const packet = readStartupPacket(this.buffer);
      if (!packet) return false;
      this.buffer = this.buffer.subarray(packet.length);
      if (packet.kind !== 'startup') {
        // One session cannot be interrupted from outside; PostgreSQL sends no answer to a cancel either.
        if (packet.kind === 'cancel') {
          this.end();
          return false;
        }
        // A local socket needs no encryption; 'N' tells the client to go on without it.
        this.socket.write('N');
        continue;
      }
      const { params } = packet;
      const database = params.database || params.user || '';
      if (database !== SERVED_DATABASE) return this.refuse('3D000', `database "${database}" does not exist: the embedded server serves "${SERVED_DATABASE}"`);
      if (params.replication) return this.refuse('0A000', 'the embedded server does not support replication connections');
      if (params.options) return this.refuse('0A000', 'the embedded server does not accept start-up options: use SET LOCAL in a transaction');
      const out = [authenticationOk()];
      const unknown = Object.keys(params).filter((k) => k.startsWith('_pq_.'));
      if (packet.minor > 0 || unknown.length) out.push(negotiateProtocol(0, unknown));
      const reported = { ...this.opts.serverParams, application_name: params.application_name ?? '' };
      for (const [k, v] of Object.entries(reported)) out.push(parameterStatus(k, v));
      out.push(readyForQuery('I'));
      this.socket.write(Buffer.concat(out));
      this.started = true;
      return true;
    }
  }

  private refuse(code: string, text: string): false {
    this.fatal(code, text);
    return false;
  }

  private fatal(code: string, text: string): void {
    if (!this.ended && this.socket.writable) this.socket.write(errorResponse('FATAL', code, text));
    this.end();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      if (this.jobs.length) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (this.jobs.length) {
      const job = this.jobs.shift() as Job;
      if (job.kind === 'end') return this.cleanUp();
      if (!this.release) {
        this.release = await this.opts.hold();
        this.names.unnamedParsed = false;
      }
      if (this.ended) continue;
      clearTimeout(this.idleTimer);
      try {
        await this.run(job.messages);
      } catch (e) {
        if (e instanceof ProtocolViolation) {
          this.fatal('08P01', e.message);
          continue;
        }
        // PGlite itself failed (not an SQL error, which is an answer): nothing sensible can follow.
        this.opts.log(`embedded server: client ${this.opts.id}: ${(e as Error).message}`);
        this.fatal('XX000', 'the embedded database failed to run the request');
      }
    }
  }

  private async run(messages: Buffer[]): Promise<void> {
    const out: Uint8Array[] = [];
    let ready: 'I' | 'T' | 'E' | null = null;
    let timeoutSet: number | null = null;
    for (const msg of messages) {
      const t = shortestSessionTimeoutMs(sqlOf(msg));
      if (t !== null) timeoutSet = Math.min(t, timeoutSet ?? t);
      const reply = await this.exec(scopeNames(msg, this.names));
      out.push(reply);
      const scanned = lastReady(reply);
      if (scanned) ready = scanned;
      if (scanned || String.fromCharCode(msg[0]) === 'c' || String.fromCharCode(msg[0]) === 'f') this.copyIn = false;
      if (hasMessage(reply, 'G')) this.copyIn = true;
    }
    // Before anything yields to the event loop (see the top of this file).
    if (ready === 'T') await this.exec(simpleQuery(DISARM_IN_TRANSACTION));
    if (ready === 'I') await this.exec(simpleQuery(RESET_SESSION));
    if (ready) this.status = ready;
    if (this.socket.writable) this.socket.write(Buffer.concat(out));
    // A failed transaction cannot take SET LOCAL, so a timeout set in this very batch stays armed;
    // one longer than this server's own limit never fires (the limit ends the transaction first).
    if (ready === 'E' && timeoutSet !== null && timeoutSet <= this.opts.idleInTransactionMs + SAFETY_MARGIN_MS) {
      return this.fatal('25P03', 'terminating connection: a transaction failed in the same request that set a short session timeout, which the embedded database cannot keep armed');
    }
    if (ready === 'I') return this.letGo();
    this.idleTimer = setTimeout(
      () => this.fatal('25P03', `terminating connection due to idle-in-transaction timeout: the embedded database has one session, which this client held idle for ${this.opts.idleInTransactionMs} ms`),
      this.opts.idleInTransactionMs,
    );
  }

  // The client is gone or being disconnected: end what it left in the session, then give it back.
  private async cleanUp(): Promise<void> {
    try {
      if (!this.release && this.names.named.size === 0) return;
      if (!this.release) this.release = await this.opts.hold();
      if (this.copyIn) await this.exec(copyFail('the client disconnected'));
      // Always a Sync first: after an error mid-batch, PGlite ignores everything until one.
      this.status = lastReady(await this.exec(syncMessage())) ?? this.status;
      if (this.status !== 'I') await this.exec(simpleQuery('ROLLBACK'));
      if (this.names.named.size) {
        for (const name of this.names.named) await this.exec(closeStatement(name));
        await this.exec(syncMessage());
        this.names.named.clear();
      }
      await this.exec(simpleQuery(RESET_SESSION));
    } catch (e) {
      this.opts.log(`embedded server: client ${this.opts.id}: clean-up failed: ${(e as Error).message}`);
    } finally {
      this.status = 'I';
      this.copyIn = false;
      await this.letGo();
      this.markClosed();
    }
  }

  private async letGo(): Promise<void> {
    const release = this.release;
    this.release = null;
    if (!release) return;
    try {
      // As PGlite does after each query outside a transaction.
      await this.pg.syncToFs();
    } finally {
      release();
    }
  }

  private exec(msg: Buffer): Promise<Uint8Array> {
    // No file-system sync per message: the session is synced when the client lets go of it.
    return this.pg.execProtocolRaw(msg, { syncToFs: false });
  }
}
