import { Query } from 'pg';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { pgTypesLikePglite } from './driver-transaction';

/** What a transaction offers its function: raw SQL with $1..$n parameters. */
export type SqlTx = {
  /** Rows as objects. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** The number of rows the statement touched. */
  execute(sql: string, ...params: unknown[]): Promise<number>;
};

export class TransactionTimeoutError extends Error {
  readonly code = 'TRANSACTION_TIMEOUT';
  constructor(ms: number) {
    super(`the transaction did not finish within ${ms} ms and was rolled back`);
  }
}

/** One statement of a transaction's opening: SQL text and its parameters (never spliced into the text). */
export type OpeningStatement = { text: string; values: string[] };

/**
 * The statements that open a transaction: BEGIN, then the role, the company and the idle time
 * limit as transaction-local settings (set_config(..., true) is SET LOCAL), all as parameters.
 */
export function transactionOpening(settings: Record<string, string>, timeoutMs: number): OpeningStatement[] {
  const all = { ...settings, idle_in_transaction_session_timeout: String(Math.max(1, Math.ceil(timeoutMs))) };
  const names = Object.keys(all);
  return [
    { text: 'BEGIN', values: [] },
    {
      text: `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`,
      values: names.flatMap((n) => [n, all[n as keyof typeof all]]),
    },
  ];
}

// The opening statements go out in the same write as the first statement, in the extended
// protocol and with a single Sync at the end (protocol pipelining): one round trip, as if the
// transaction had been opened already, and every value travels as a bound parameter. If an
// opening statement fails, the server skips the rest up to the Sync and the error is this
// query's error.
class PipelinedQuery extends Query {
  constructor(
    private readonly opening: readonly OpeningStatement[],
    text: string,
    values: unknown[],
    callback: (err: Error | null, results: QueryResult | QueryResult[]) => void,
  ) {
    super({ text, values, types: pgTypesLikePglite, queryMode: 'extended', callback } as unknown as ConstructorParameters<typeof Query>[0]);
  }

  /** Runs the opening and `text` in one round trip; resolves with the result of `text`. */
  static run(client: PoolClient, opening: readonly OpeningStatement[], text: string, values: unknown[]): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      client.query(
        new PipelinedQuery(opening, text, values, (err, results) => {
          if (err) reject(err);
          else resolve(Array.isArray(results) ? results[results.length - 1] : results);
        }),
      );
    });
  }

  prepare(connection: PgConnection): void {
    for (const s of this.opening) {
      connection.parse({ text: s.text, name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: s.values });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '', rows: 0 });
    }
    (Query.prototype as unknown as { prepare(c: PgConnection): void }).prepare.call(this, connection);
  }
}

// The part of pg's Connection (pg/lib/connection.js) that writes extended-protocol messages.
type PgConnection = {
  parse(m: { text: string; name: string; types: number[] }): void;
  bind(m: { portal: string; statement: string; values: string[] }): void;
  describe(m: { type: 'P' | 'S'; name: string }): void;
  execute(m: { portal: string; rows: number }): void;
};

/**
 * A transaction on one pooled `pg` connection, without Prisma's interactive-transaction machinery.
 * The opening (BEGIN plus the role and company settings) costs no round trip of its own: it is
 * pipelined with the transaction's first statement (see PipelinedQuery).
 */
export async function runPgTransaction<T>(pool: Pool, opening: readonly OpeningStatement[], fn: (tx: SqlTx) => Promise<T>, timeoutMs: number): Promise<T> {
  const client = await pool.connect();
  // The opening sets idle_in_transaction_session_timeout: the server also ends a transaction left
  // idle past its time limit (a hung caller must not keep row or advisory locks, such as a
  // company's chain lock).
  const tx = new PgTx(client, opening);
  const timer = setTimeout(() => (tx.expired = true), timeoutMs);
  let broken: Error | undefined;
  // The pool listens for errors on idle clients only. A checked-out connection that dies between
  // statements (terminated by the server, network gone) emits 'error': without this listener
  // that would be an uncaught exception.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    const result = await fn(tx);
    if (tx.expired) throw new TransactionTimeoutError(timeoutMs);
    if (tx.opened) await client.query('COMMIT');
    return result;
  } catch (e) {
    if (tx.opened) {
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
    }
    if (tx.expired && !(e instanceof TransactionTimeoutError)) throw new TransactionTimeoutError(timeoutMs);
    throw e;
  } finally {
    clearTimeout(timer);
    client.removeListener('error', onError);
    // A connection that failed is in an unknown state: the pool closes it instead of reusing it.
    client.release(broken);
  }
}

class PgTx implements SqlTx {
  opened = false;
  expired = false;

  constructor(
    private readonly client: PoolClient,
    private readonly opening: readonly OpeningStatement[],
  ) {}

  async query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.run(sql, params)).rows as T[];
  }

  async execute(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }

  private async run(sql: string, params: unknown[]): Promise<QueryResult> {
    if (this.expired) throw new Error('the transaction has timed out');
    if (!this.opened) {
      this.opened = true;
      // A parameterless text may hold several statements, which only the simple protocol runs:
      // then the opening goes first, in a round trip of its own.
      if (!(params.length === 0 && sql.includes(';'))) return PipelinedQuery.run(this.client, this.opening, sql, params);
      const last = this.opening[this.opening.length - 1];
      await PipelinedQuery.run(this.client, this.opening.slice(0, -1), last.text, last.values);
    }
    return this.client.query({ text: sql, values: params, types: pgTypesLikePglite });
  }
}
