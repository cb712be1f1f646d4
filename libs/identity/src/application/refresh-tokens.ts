import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, Database } from '@maple/platform';
import type { AppConfig, Role, StoredEvent, Tx } from '@maple/platform';

export type TokenOwner = { userId: string; companyId: string | null };

/** A session that a recorded sign-in started: the only thing an access token is signed for at sign-in. */
export type IssuedSession = { refreshToken: string; owner: TokenOwner & { role: Role } };

export type RotateOutcome =
  | { kind: 'rotated'; token: string; familyId: string; owner: TokenOwner & { role: Role } }
  | { kind: 'reused'; familyId: string; owner: TokenOwner }
  | { kind: 'invalid' }
  | { kind: 'owner-disabled'; owner: TokenOwner };

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

// Refresh tokens are authentication state rather than business data: they live in their own
// table (hashed), written here, not event-sourced. Sign-ins, lockouts and reuse are events.
// A new family starts in the sign-in's transaction (its company's scope); rotation and sign-out
// run on the all-companies path: a refresh request has no verified company yet.
@Injectable()
export class RefreshTokens {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // `signInEventId`: the UserSignedIn event that starts a new family; null for a rotation within
  // one. The database refuses a new family unless that event was recorded by this very
  // transaction and the account and its company are active (trigger refresh_tokens_need_a_sign_in).
  private async insert(tx: Tx, owner: TokenOwner, familyId: string, signInEventId: string | null): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    await tx.execute(
      `INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, company_id, expires_at, sign_in_event_id) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7::uuid)`,
      id,
      sha256(token),
      familyId,
      owner.userId,
      owner.companyId,
      this.config.auth.refreshTokenTtlSec,
      signInEventId,
    );
    return { id, token };
  }

  /**
   * A new session, in the transaction that recorded the sign-in: the only way a family starts.
   * `signedIn` is that UserSignedIn event as the store gave it back.
   */
  async startIn(tx: Tx, owner: TokenOwner & { role: Role }, signedIn: StoredEvent): Promise<IssuedSession> {
    const { token } = await this.insert(tx, owner, randomUUID(), signedIn.eventId);
    return { refreshToken: token, owner };
  }

  /**
   * Swaps a refresh token for a new one of the same family. A token that was already swapped
   * (or revoked) coming back means it was copied: the whole family is revoked and committed
   * before the caller answers 401.
   */
  async rotate(token: string): Promise<RotateOutcome> {
    return this.db.transaction(
      async (tx) => {
        // The owner's account and company are checked in the same transaction as the swap.
        const [row] = await tx.query<{ id: string; family_id: string; user_id: string; company_id: string | null; revoked_at: Date | null; revoked_reason: string | null; expired: boolean; role: Role | null; usable: boolean }>(
          `SELECT t.id, t.family_id, t.user_id, t.company_id, t.revoked_at, t.revoked_reason, t.expires_at <= now() AS expired, u.role::text AS role,
                  coalesce(u."isActive", false) AND (t.company_id IS NULL OR coalesce(c."isActive", false)) AS usable
           FROM refresh_tokens t LEFT JOIN "User" u ON u.id = t.user_id LEFT JOIN "Company" c ON c.id = t.company_id
           WHERE t.token_hash = $1 FOR UPDATE OF t`,
          sha256(token),
        );
        if (!row) return { kind: 'invalid' } as const;
        const owner = { userId: row.user_id, companyId: row.company_id };
        if (row.revoked_at) {
          // Only a token that was swapped coming back is theft; a revoked family stays quietly dead.
          if (row.revoked_reason !== 'rotated') return { kind: 'invalid' } as const;
          await this.revokeFamilyIn(tx, row.family_id, 'reuse-detected');
          return { kind: 'reused', familyId: row.family_id, owner } as const;
        }
        if (row.expired) return { kind: 'invalid' } as const;
        if (!row.usable || !row.role) {
          await this.revokeFamilyIn(tx, row.family_id, 'owner-disabled');
          return { kind: 'owner-disabled', owner } as const;
        }
        const next = await this.insert(tx, owner, row.family_id, null);
        await tx.execute(`UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'rotated', replaced_by = $2 WHERE id = $1`, row.id, next.id);
        return { kind: 'rotated', token: next.token, familyId: row.family_id, owner: { ...owner, role: row.role } } as const;
      },
      { allCompanies: true },
    );
  }

  private revokeFamilyIn(tx: Tx, familyId: string, reason: string): Promise<number> {
    return tx.execute(`UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, $2) WHERE family_id = $1`, familyId, reason);
  }

  /** Sign-out: the family of this token, if it belongs to the user. */
  async revokeFamilyOf(token: string, userId: string): Promise<number> {
    return this.db.transaction(
      (tx) =>
        tx.execute(
          `UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'logout'
           WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2)`,
          sha256(token),
          userId,
        ),
      { allCompanies: true },
    );
  }

  /** Every session of a user (sign-out everywhere). */
  async revokeAllOf(userId: string, reason: string): Promise<number> {
    return this.db.transaction((tx) => this.revokeAllIn(tx, userId, reason), { allCompanies: true });
  }

  /** Every session of a user, in the caller's transaction (a password change). */
  revokeAllIn(tx: Tx, userId: string, reason: string): Promise<number> {
    return tx.execute(`UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userId, reason);
  }
}
