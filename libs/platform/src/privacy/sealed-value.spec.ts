import { randomBytes } from 'node:crypto';
import { openValue, parseSealed, sealValue } from './sealed-value';

describe('sealed values', () => {
  const key = randomBytes(32);
  const claims = { keyVersion: 1, subjectId: 'subject-1', field: 'hr/salary', bindingId: '0b6f4a3e-52a4-4c3b-9a51-0f1f7d0b2d11' };
  const sealed = sealValue(key, 'company-a', claims, { amount: '91000.00', currency: 'EUR' });

  it('describes itself and round-trips any JSON value', () => {
    expect(sealed.startsWith('mpl1.1.subject-1.hr/salary.0b6f4a3e-52a4-4c3b-9a51-0f1f7d0b2d11.')).toBe(true);
    const parsed = parseSealed(sealed)!;
    expect(parsed).toMatchObject(claims);
    expect(openValue(key, 'company-a', parsed)).toEqual({ amount: '91000.00', currency: 'EUR' });
  });

  it('does not open for another company, nor with its claims rewritten, nor with another key', () => {
    const parsed = parseSealed(sealed)!;
    expect(() => openValue(key, 'company-b', parsed)).toThrow();
    for (const change of [{ subjectId: 'subject-2' }, { field: 'hr/nationalId' }, { bindingId: 'other-event' }, { keyVersion: 2 }]) {
      expect(() => openValue(key, 'company-a', { ...parsed, ...change })).toThrow();
    }
    expect(() => openValue(randomBytes(32), 'company-a', parsed)).toThrow();
  });

  it('is not one when malformed', () => {
    for (const s of ['mpl1.', 'mpl1.1.a.b.c.d', 'mpl1.x.subject-1.hr/salary.-.AAAA', `mpl1.1.subject 1.hr/salary.-.${'A'.repeat(40)}`, 'plain text']) expect(parseSealed(s)).toBeNull();
  });
});
