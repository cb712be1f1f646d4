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
    recordsNamed: (counterparty: string) => count(`SELECT count(*)::int AS n FROM "ComplianceRecord" WHERE data->>'counterparty' = $1`, [counterparty]),
    /** A valid AML record whose counterparty names it uniquely. */
    amlRecord: () => ({ type: 'AML', data: { counterparty: `Globex ${++n}-${Date.now().toString(36)} GmbH`, amount: '1200.00', currency: 'EUR', country: 'DE', channel: 'wire' } }),
    createRecord: (token: string, payload: unknown, key?: string) => call(app(), { method: 'POST', url: '/compliance/records', token, payload, headers: key ? { 'idempotency-key': key } : {} }),
  };
}
