import { randomBytes } from 'node:crypto';
import { CommandRunner, EventStore, KeyRing, PersonalData, PersonalDataRegistry, ProjectionRegistry } from '@maple/platform';
import type { Command, Database, Decider, DomainEvent, Kek, PersonalDataView, Tx } from '@maple/platform';

// A small aggregate holding personal data, for the platform's privacy tests: a person's
// profile with an e-mail (personal, looked up exactly), a national id (sensitive) and a city
// (internal, never sealed), and its erasure.
export type PersonEvent =
  | DomainEvent<'ToyPersonSaved', { subjectId: string; profile: { email: string; nationalId: string; city: string } }>
  | DomainEvent<'DataSubjectErased', { subjectId: string; reason: string; requestedBy: string | null; approvedBy: string | null }>;
export type PersonCommand = (Command<'SavePerson'> & { subjectId: string; email: string; nationalId: string; city: string }) | (Command<'ErasePerson'> & { subjectId: string });

export const personDecider: Decider<PersonCommand, PersonEvent, null> = {
  initialState: null,
  decide(cmd) {
    if (cmd.type === 'SavePerson') return [{ type: 'ToyPersonSaved', data: { subjectId: cmd.subjectId, profile: { email: cmd.email, nationalId: cmd.nationalId, city: cmd.city } } }];
    return [{ type: 'DataSubjectErased', data: { subjectId: cmd.subjectId, reason: 'request', requestedBy: 'hr', approvedBy: 'admin' } }];
  },
  evolve: (s) => s,
};

export const kek = (id: string): Kek => ({ id, key: randomBytes(32) });

/** A registry with the toy person's fields and rules, and an access log kept in memory. */
export function toyRegistry(views: PersonalDataView[] = []): PersonalDataRegistry {
  const registry = new PersonalDataRegistry();
  registry.registerEvent('ToyPersonSaved', {
    subject: 'subjectId',
    fields: [
      { path: 'profile.email', field: 'toy/email', lookup: (v) => (typeof v === 'string' ? v.trim().toLowerCase() : null) },
      { path: 'profile.nationalId', field: 'toy/nationalId' },
    ],
  });
  registry.registerFields({
    'toy/email': { classification: 'personal', access: { HR_MANAGER: 'full', ADMIN: 'full', SELF: 'full' } },
    'toy/nationalId': { classification: 'sensitive', access: { HR_MANAGER: 'full', ADMIN: 'masked', SELF: 'masked' } },
  });
  // The subject "self-<userId>" is that user's own record.
  registry.registerRelations('toy/', async (_tx: Tx, userId: string, _c: string, subjects: readonly string[]) => new Map(subjects.filter((s) => s === `self-${userId}`).map((s) => [s, ['SELF' as const]])));
  registry.setAccessLog(async (_tx, v) => {
    views.push(...v);
  });
  return registry;
}

export function toyRunner(db: Database, personal: PersonalData | null, store = new EventStore()): CommandRunner {
  return new CommandRunner(db, store, new ProjectionRegistry(), undefined, undefined, undefined, personal?.sealer);
}

export function personalData(registry: PersonalDataRegistry, keks: Kek[]): PersonalData {
  return new PersonalData(registry, new KeyRing(keks, 'config'));
}
