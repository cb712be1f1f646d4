import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestDatabase } from '../support/databases';
import { call } from '../security/world';

/** Counting helpers and a compliance record per call, shared by the idempotency suites. */
export function idempotencyFixtures(ctx: () => TestDatabase, app: () => NestFastifyApplication) {
  let n = 0;
  const count = async (sql: string, params: unknown[] = []) => Number((await ctx().superuser(sql, params))[0].n);
  return {
    count,
    events: () => count(`SELECT count(*)::int AS n FROM events`),
    /** Idempotency records of a key, whoever holds them. */
    records: (key: string) => count(`SELECT count(*)::int AS n FROM idempotency_records WHERE key = $1`, [key]),
    // The counterparty is personal data (sealed in the row), so a record is found by its amount.
    recordsOf: (record: { data: { amount: string } }) => count(`SELECT count(*)::int AS n FROM "ComplianceRecord" WHERE data->>'amount' = $1`, [record.data.amount]),
    /** A valid AML record whose amount names it uniquely. */
    amlRecord: () => ({ type: 'AML', data: { counterparty: `Globex ${++n} GmbH`, amount: `${1000 + (++n % 9000)}.${String(Date.now() % 100).padStart(2, '0')}`, currency: 'EUR', country: 'DE', channel: 'wire' } }),
    createRecord: (token: string, payload: unknown, key?: string) => call(app(), { method: 'POST', url: '/compliance/records', token, payload, headers: key ? { 'idempotency-key': key } : {} }),
  };
}
