import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id minimum (m = 19 MiB, t = 2, p = 1). `algorithm: 2` is Algorithm.Argon2id:
// the const enum cannot be imported under isolatedModules.
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

// Verified against when the e-mail is unknown, so both paths cost the same (no user enumeration by timing).
let dummy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  const target = passwordHash ?? (await (dummy ??= hashPassword('maple-timing-equaliser-not-a-password')));
  try {
    return (await verify(target, password)) && passwordHash !== null;
  } catch {
    return false;
  }
}
