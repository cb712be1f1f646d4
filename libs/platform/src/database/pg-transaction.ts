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

/**
 * A transaction on one pooled `pg` connection, without Prisma's interactive-transaction machinery.
 *
 * The opening (BEGIN plus the role and company settings) is not sent on its own: it travels with
 * the transaction's first statement in one simple-protocol message, that statement's parameters
 * written as quoted literals (untyped, exactly like a parameter, so PostgreSQL infers the same
 * types). Every round trip costs CPU on both ends, and a one-statement append needs two instead
 * of three. A first statement whose parameters cannot be written as literals (buffers, dates,
 * arrays, objects) is sent after the opening instead; later statements use the extended protocol.
 */
/** The statements that open a transaction: the caller's (BEGIN and settings) and the idle time limit. */
export function fullOpening(opening: readonly string[], timeoutMs: number): string[] {
  return [...opening, `SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.ceil(timeoutMs))}`];
}

export async function runPgTransaction<T>(pool: Pool, opening: readonly string[], fn: (tx: SqlTx) => Promise<T>, timeoutMs: number): Promise<T> {
  const client = await pool.connect();
  // The server also ends a transaction left idle past its time limit (a hung caller must not keep
  // row or advisory locks, such as a company's chain lock): the session is terminated.
  const tx = new PgTx(client, fullOpening(opening, timeoutMs));
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
    private readonly opening: readonly string[],
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
      const inlined = inlineParameters(sql, params);
      if (inlined !== null) {
        // One result per opening statement, then the statement's.
        const results = (await this.client.query({ text: `${this.opening.join('; ')};\n${inlined}`, types: pgTypesLikePglite })) as unknown as QueryResult[];
        return results[this.opening.length];
      }
      await this.client.query(this.opening.join('; '));
    }
    return this.client.query({ text: sql, values: params, types: pgTypesLikePglite });
  }
}

/**
 * A SQL literal for a value, as PostgreSQL's own quoting rules want it (standard_conforming_strings
 * on: quotes doubled; with a backslash, an E'' string with backslashes doubled too).
 */
export function quoteLiteral(s: string): string {
  const q = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${q.replace(/\\/g, '\\\\')}'` : `'${q}'`;
}

function literal(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v.includes('\0') ? null : quoteLiteral(v);
    case 'number':
      return Number.isFinite(v) ? `'${String(v)}'` : null;
    case 'bigint':
      return `'${v.toString()}'`;
    case 'boolean':
      return v ? "'true'" : "'false'";
    default:
      return v === null || v === undefined ? 'NULL' : null;
  }
}

/**
 * `sql` with each $n replaced by the literal of params[n-1], or null when a parameter has no
 * plain literal or the text cannot be read safely. Skips quoted strings, quoted identifiers,
 * comments and dollar-quoted bodies, where a `$1` is text, not a parameter.
 */
export function inlineParameters(sql: string, params: readonly unknown[]): string | null {
  const lits: string[] = [];
  for (const p of params) {
    const l = literal(p);
    if (l === null) return null;
    lits.push(l);
  }
  let out = '';
  let i = 0;
  let from = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      // A quoted string or identifier; '' and "" inside are escapes. An E'' string may contain \'.
      const escapes = c === "'" && i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e');
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      if (i >= n) return null;
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const nested = sql.indexOf('/*', i + 2);
      // An unterminated or nested comment: give up and send the statement on its own.
      if (end < 0 || (nested !== -1 && nested < end)) return null;
      i = end + 2;
    } else if (c === '$') {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (param && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
        const k = Number(param[1]);
        if (k < 1 || k > lits.length) return null;
        out += sql.slice(from, i) + lits[k - 1];
        i += param[0].length;
        from = i;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return null;
        i = end + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return out + sql.slice(from);
}
