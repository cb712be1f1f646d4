import { COMMON_PASSWORDS } from './common-passwords';
import { IdentityError } from './identity.errors';

export const PASSWORD_MIN_LENGTH = 12;
// Long enough for any passphrase, short enough that hashing it cannot be used to tie up a core.
export const PASSWORD_MAX_LENGTH = 256;

const COMMON = new Set(COMMON_PASSWORDS.map((p) => p.toLowerCase()));

/** Why a password is refused, or null when it is acceptable (NIST 800-63B style: length and a blocklist). */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is one of the most common passwords';
  // "passwordpassword" or "aaaaaaaaaaaa": a short pattern repeated is as weak as the pattern.
  if (/^(.{1,6})\1+$/.test(lower)) return 'is a short pattern repeated';
  if (email && lower.includes(email.toLowerCase().split('@')[0]) && email.split('@')[0].length >= 4) return 'must not contain your e-mail name';
  return null;
}

export function assertPasswordAcceptable(password: string, email?: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new IdentityError('IDENTITY.PASSWORD_INVALID', `The password ${problem}.`);
}
