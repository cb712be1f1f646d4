import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import type { Role, Tx } from '@maple/platform';
import type { SignInState } from '../domain/sign-in.decider';

/** What sign-in needs before any company is known: who the e-mail belongs to, and the hash to verify. */
export type AccountCredential = { userId: string; companyId: string | null; passwordHash: string | null };

/** What a sign-in decision rests on besides the password: the account's and company's status. */
export type AccountStatus = { role: Role; userActive: boolean; companyActive: boolean };

/** The credential row as a sign-in transaction holds it (locked FOR UPDATE), with the account's status. */
export type LockedCredential = { passwordHash: string; signIn: SignInState; status: AccountStatus };

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

type StatusRow = { role: Role; user_active: boolean; company_id: string | null; company_active: boolean | null };
const STATUS = `u.role::text AS role, u."isActive" AS user_active, u."companyId" AS company_id, co."isActive" AS company_active`;

// Platform administrators belong to no company, so no company can be deactivated under them.
const statusOf = (r: StatusRow): AccountStatus => ({ role: r.role, userActive: r.user_active === true, companyActive: r.company_id === null || r.company_active === true });

// Credentials are authentication state, not business data: they live in user_credentials
// (migration 20261201030000), never in an event, and are written here in the transaction of
// the event that says they changed. The row also holds where the user's sign-ins stand, and
// its row lock orders concurrent attempts and password changes of one user.
@Injectable()
export class Credentials {
  constructor(@Inject(Database) private readonly db: Database) {}

  // Sign-in and the e-mail uniqueness check precede any tenant: the all-companies path, on
  // purpose, reading only what the caller needs.
  async byEmail(email: string): Promise<AccountCredential | null> {
    const rows = await this.db.transaction(
      (tx) =>
        tx.query<AccountCredential>(
          `SELECT u.id AS "userId", u."companyId", c.password_hash AS "passwordHash"
             FROM "User" u LEFT JOIN user_credentials c ON c.user_id = u.id WHERE lower(u.email) = lower($1)`,
          email,
        ),
      { allCompanies: true },
    );
    return rows[0] ?? null;
  }

  /** The signed-in user's own credential, in their company's scope. */
  async hashOf(userId: string, companyId: string | null): Promise<string | null> {
    const rows = await this.db.transaction(
      (tx) => tx.query<{ hash: string }>(`SELECT password_hash AS hash FROM user_credentials WHERE user_id = $1`, userId),
      companyId === null ? { allCompanies: true } : { companyId },
    );
    return rows[0]?.hash ?? null;
  }

  async insertIn(tx: Tx, c: { userId: string; companyId: string | null; passwordHash: string }): Promise<void> {
    await tx.execute(`INSERT INTO user_credentials (user_id, company_id, password_hash) VALUES ($1, $2, $3)`, c.userId, c.companyId, c.passwordHash);
  }

  /** Locks the credential for one sign-in decision and reads the account's status; null when the user has none. */
  async lockIn(tx: Tx, userId: string): Promise<LockedCredential | null> {
    const [r] = await tx.query<StatusRow & { hash: string; failed: number; until: string | null }>(
      `SELECT c.password_hash AS hash, c.failed_attempts AS failed, ${ISO('c.locked_until')} AS until, ${STATUS}
         FROM user_credentials c JOIN "User" u ON u.id = c.user_id LEFT JOIN "Company" co ON co.id = u."companyId"
        WHERE c.user_id = $1 FOR UPDATE OF c`,
      userId,
    );
    return r ? { passwordHash: r.hash, signIn: { failedAttempts: Number(r.failed), lockedUntil: r.until }, status: statusOf(r) } : null;
  }

  async saveSignInIn(tx: Tx, userId: string, s: SignInState): Promise<void> {
    await tx.execute(`UPDATE user_credentials SET failed_attempts = $2, locked_until = $3::timestamptz WHERE user_id = $1`, userId, s.failedAttempts, s.lockedUntil);
  }

  /**
   * Replaces the hash the caller verified the current password against; false when it is no
   * longer the stored one (changed meanwhile). A new password also ends a lockout: the owner
   * proved who they are.
   */
  async replaceHashIn(tx: Tx, userId: string, verifiedHash: string, nextHash: string): Promise<boolean> {
    const n = await tx.execute(
      `UPDATE user_credentials SET password_hash = $3, password_set_at = now(), failed_attempts = 0, locked_until = NULL WHERE user_id = $1 AND password_hash = $2`,
      userId,
      verifiedHash,
      nextHash,
    );
    return n === 1;
  }
}
