import type { Upcasters } from '@maple/platform';

// Version 1 -> 2: the argon2 hash leaves the event (it lives in user_credentials now). The
// stored event keeps it (its hash covers it); every reader gets the event without it.
function withoutPasswordHash(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  const { passwordHash: _secret, ...rest } = data as Record<string, unknown>;
  return rest;
}

/** Registers identity's upcasters on the event store's registry (IdentityModule does at start): both types are now at version 2. */
export function registerUserUpcasters(upcasters: Upcasters): Upcasters {
  return upcasters.register('UserRegistered', 1, withoutPasswordHash).register('PasswordChanged', 1, withoutPasswordHash);
}
