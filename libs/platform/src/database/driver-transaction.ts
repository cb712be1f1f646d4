import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';
import { types as pgTypes } from 'pg';

// Prisma spends about a millisecond of CPU on every raw query; the event store and the
// projections run several per command. This captures the driver transaction Prisma opens for
// `$transaction`, so `tx.query` can talk to the very same connection directly while
// `tx.prisma` keeps working in the same transaction.

/** What a driver transaction exposes: its pg PoolClient, or PGlite's transaction object. */
type DriverClient = { query(sql: string | { text: string; values: unknown[]; types?: unknown }, params?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null; affectedRows?: number }> };

export type CapturedTx = { client: DriverClient; kind: 'pg' | 'pglite' };

const slot = new AsyncLocalStorage<{ tx?: CapturedTx }>();

export function withCapture<T>(fn: (get: () => CapturedTx) => Promise<T>): Promise<T> {
  const store: { tx?: CapturedTx } = {};
  return slot.run(store, () =>
    fn(() => {
      if (!store.tx) throw new Error('no driver transaction was captured');
      return store.tx;
    }),
  );
}

// int8 as a JS number when exact, else a bigint: the same as PGlite, so both databases hand
// the same values to the code above.
const INT8 = 20;
export const pgTypesLikePglite = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) {
      return (v: string) => {
        const b = BigInt(v);
        return b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER) ? b : Number(b);
      };
    }
    return pgTypes.getTypeParser(oid, format as 'text');
  },
};

export async function driverQuery<T>(tx: CapturedTx, sql: string, params: unknown[]): Promise<{ rows: T[]; count: number }> {
  if (tx.kind === 'pg') {
    const r = await tx.client.query({ text: sql, values: params, types: pgTypesLikePglite });
    return { rows: r.rows as T[], count: r.rowCount ?? 0 };
  }
  const r = await tx.client.query(sql, params);
  return { rows: r.rows as T[], count: r.affectedRows ?? r.rows.length };
}

function capturing(adapter: SqlDriverAdapter, kind: CapturedTx['kind']): SqlDriverAdapter {
  const start = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolation) => {
    const tx: Transaction = await start(isolation);
    const store = slot.getStore();
    if (store) store.tx = { client: (tx as unknown as { client: DriverClient }).client, kind };
    return tx;
  };
  return adapter;
}

/** Wraps a Prisma driver adapter factory so its transactions can be captured. */
export function capturingFactory<F extends SqlDriverAdapterFactory>(factory: F, kind: CapturedTx['kind']): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => capturing(await connect(), kind);
  return factory;
}
