import { randomUUID } from 'node:crypto';
import type { Database, DbScope, Tx } from '../database/database';
import { IdempotencyError } from './idempotency.errors';
import { LEASE_MS, outcomeOf } from './idempotency-policy';
import type { Outcome } from './idempotency-policy';

/** Who owns a key: the authenticated caller; the company only places the row for row-level security. */
export type KeyOwner = { userId: string; companyId: string | null };

/** The right of one request to run under a key (`attempt` is its fencing token). */
export type Claim = KeyOwner & { key: string; attempt: string };

export type StoredResponse = { status: number; contentType: string | null; body: Buffer };

export type ClaimResult = { kind: 'claimed'; claim: Claim } | ({ kind: 'replay' } & StoredResponse);

type Row = { request_hash: string; route: string; attempt: string; executed: boolean; in_lease: boolean; completed: boolean; response_status: number | null; response_type: string | null; response_body: Uint8Array | null };

/**
 * The idempotency records (table idempotency_records, one row per caller and key): who holds a
 * key, the fingerprint of its request, and once done the response to replay. Every statement
 * runs in the caller's own scope, so row-level security keeps one company's records from another.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    /** How long a record is kept (IDEMPOTENCY_TTL). */
    private readonly ttlSec: number,
  ) {}

  /**
   * Takes the key for this request, or says why not: a replay of the stored response, 422 for
   * another request under the key, 409 while the first request runs, 409 when it was carried out
   * but its response is lost. One transaction; the unique (user_id, key) settles races.
   */
  async claim(owner: KeyOwner, key: string, fingerprint: string, route: string): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      const attempt = randomUUID();
      // An expired record is as good as none (the clean-up job may not have run yet).
      await tx.execute(`DELETE FROM "idempotency_records" WHERE "user_id" = $1 AND "key" = $2 AND "expires_at" <= now()`, owner.userId, key);
      const inserted = await tx.query(
        `INSERT INTO "idempotency_records" ("user_id", "key", "company_id", "request_hash", "route", "attempt", "locked_until", "expires_at")
         VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int * interval '1 millisecond', now() + $8::int * interval '1 second')
         ON CONFLICT ("user_id", "key") DO NOTHING RETURNING "attempt"`,
        owner.userId, key, owner.companyId, fingerprint, route, attempt, LEASE_MS, this.ttlSec,
      );
      if (inserted.length) return { kind: 'claimed', claim: { ...owner, key, attempt } };
      const [row] = await tx.query<Row>(
        `SELECT "request_hash", "route", "attempt"::text AS "attempt", "executed", "locked_until" > now() AS "in_lease", "completed_at" IS NOT NULL AS "completed",
                "response_status", "response_type", "response_body"
           FROM "idempotency_records" WHERE "user_id" = $1 AND "key" = $2 FOR UPDATE`,
        owner.userId, key,
      );
      // Deleted between the two statements (it had just expired): the client may simply retry.
      if (!row) throw inProgress();
      if (row.request_hash !== fingerprint) {
        throw new IdempotencyError('IDEMPOTENCY.KEY_REUSED', `This Idempotency-Key was used for another request (${row.route} with other parameters or another body). Use a new key for a new request.`);
      }
      if (row.completed && row.response_status !== null) {
        return { kind: 'replay', status: row.response_status, contentType: row.response_type, body: Buffer.from(row.response_body ?? new Uint8Array()) };
      }
      if (row.completed || (row.executed && !row.in_lease)) throw responseLost();
      if (row.in_lease) throw inProgress();
      // The first request's process stopped before any command committed: nothing happened,
      // so this request runs in its place. Its old attempt can no longer commit (the fence).
      await tx.execute(
        `UPDATE "idempotency_records" SET "attempt" = $3, "locked_until" = now() + $4::int * interval '1 millisecond' WHERE "user_id" = $1 AND "key" = $2`,
        owner.userId, key, attempt, LEASE_MS,
      );
      return { kind: 'claimed', claim: { ...owner, key, attempt } };
    }, scopeOf(owner));
  }

  /**
   * Called in a command's own transaction: marks the key "carried out", atomically with the
   * command's events. Refuses (and so rolls the command back) when this request no longer
   * holds the key, so a request that lost its claim can never run a second execution.
   */
  async fence(tx: Tx, claim: Claim): Promise<void> {
    // SECURITY DEFINER: a platform administrator's command runs in a company's scope, where
    // row-level security would hide the administrator's own record.
    const [r] = await tx.query<{ held: boolean }>(`SELECT "idempotency_fence"($1, $2, $3) AS "held"`, claim.userId, claim.key, claim.attempt);
    if (!r?.held) throw new IdempotencyError('IDEMPOTENCY.IN_PROGRESS', 'This request no longer holds its Idempotency-Key (another request with the key took over); nothing was written.');
  }

  /** Settles the key once the response is known (see outcomeOf); returns what was done. */
  async finish(claim: Claim, status: number, response: { contentType: string | null; body: Buffer } | null): Promise<Outcome | 'gone'> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ executed: boolean }>(
        `SELECT "executed" FROM "idempotency_records" WHERE "user_id" = $1 AND "key" = $2 AND "attempt" = $3 FOR UPDATE`,
        claim.userId, claim.key, claim.attempt,
      );
      if (!row) return 'gone';
      // A response that cannot be kept (a stream) is treated like a failure: never replayed wrong.
      const outcome = outcomeOf(response ? status : Math.max(status, 500), row.executed);
      const where = `WHERE "user_id" = $1 AND "key" = $2 AND "attempt" = $3`;
      if (outcome === 'release') await tx.execute(`DELETE FROM "idempotency_records" ${where}`, claim.userId, claim.key, claim.attempt);
      else if (outcome === 'lost') await tx.execute(`UPDATE "idempotency_records" SET "completed_at" = now(), "locked_until" = NULL ${where}`, claim.userId, claim.key, claim.attempt);
      else {
        await tx.execute(
          `UPDATE "idempotency_records" SET "completed_at" = now(), "locked_until" = NULL, "response_status" = $4, "response_type" = $5, "response_body" = $6 ${where}`,
          claim.userId, claim.key, claim.attempt, status, response?.contentType ?? null, response?.body ?? Buffer.alloc(0),
        );
      }
      return outcome;
    }, scopeOf(claim));
  }

  /** Deletes expired records of every company, in batches; returns how many. */
  async deleteExpired(batch = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const [r] = await this.db.transaction(
        (tx) =>
          tx.query<{ n: number }>(
            `WITH gone AS (
               DELETE FROM "idempotency_records" WHERE ("user_id", "key") IN (
                 SELECT "user_id", "key" FROM "idempotency_records" WHERE "expires_at" <= now() LIMIT $1)
               RETURNING 1)
             SELECT count(*)::int AS "n" FROM gone`,
            batch,
          ),
        { allCompanies: true },
      );
      total += r.n;
      if (r.n < batch) return total;
    }
  }
}

// A platform administrator belongs to no company: their records are reachable as maple_system only.
function scopeOf(owner: KeyOwner): DbScope {
  return owner.companyId === null ? { allCompanies: true } : { companyId: owner.companyId };
}

function inProgress(): IdempotencyError {
  return new IdempotencyError('IDEMPOTENCY.IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly to get its response.');
}

function responseLost(): IdempotencyError {
  return new IdempotencyError(
    'IDEMPOTENCY.RESPONSE_LOST',
    'The request with this Idempotency-Key was carried out, but the server stopped before it kept the response. It is not run again; read the resource to see its state.',
  );
}
