import { AuditActions } from './audit-actions';
import { diffStates, evolveFlat } from './entity-state';

describe('flat entity state and its diff', () => {
  it('merges top-level fields and reports exactly the changed ones', () => {
    const s1 = evolveFlat({}, { name: 'Acme', tier: 'TRIAL', tags: ['a'] }, 'CREATE');
    const s2 = evolveFlat(s1, { tier: 'PRO', tags: ['a'] }, 'UPDATE');
    expect(s2).toEqual({ name: 'Acme', tier: 'PRO', tags: ['a'] });
    expect(diffStates({}, s1)).toEqual({ before: {}, after: { name: 'Acme', tier: 'TRIAL', tags: ['a'] } });
    expect(diffStates(s1, s2)).toEqual({ before: { tier: 'TRIAL' }, after: { tier: 'PRO' } });
  });

  it('empties the state on DELETE so every field shows as removed', () => {
    const s = { name: 'Acme', tier: 'PRO' };
    expect(evolveFlat(s, { reason: 'gdpr' }, 'DELETE')).toEqual({});
    expect(diffStates(s, {})).toEqual({ before: { name: 'Acme', tier: 'PRO' }, after: {} });
  });

  it('compares nested values by content, not by key order', () => {
    expect(diffStates({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } })).toEqual({ before: {}, after: {} });
  });

  it('maps actions: first event CREATE, *Deleted/*Removed DELETE, explicit registrations win', () => {
    const a = new AuditActions().register('ContractTerminated', 'DELETE');
    expect(a.actionFor('AccountOpened', 1)).toBe('CREATE');
    expect(a.actionFor('MoneyDeposited', 2)).toBe('UPDATE');
    expect(a.actionFor('UserDeactivated', 3)).toBe('UPDATE');
    expect(a.actionFor('UserDeleted', 4)).toBe('DELETE');
    expect(a.actionFor('ContractTerminated', 5)).toBe('DELETE');
  });
});
