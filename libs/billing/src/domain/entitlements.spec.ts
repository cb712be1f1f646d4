import { TIER_DEFAULTS, resolveEntitlements } from './entitlements';
import { normalize, parsePrice, toCents } from './price';

describe('entitlements', () => {
  it('grants modules by tier: HR from STARTER, AI and workflow from PROFESSIONAL, retention settings in ENTERPRISE', () => {
    expect(TIER_DEFAULTS.TRIAL.modules.hr).toBe(false);
    expect(TIER_DEFAULTS.STARTER.modules).toMatchObject({ hr: true, ai: false, workflow: false });
    expect(TIER_DEFAULTS.PROFESSIONAL.modules).toMatchObject({ ai: true, workflow: true });
    expect(TIER_DEFAULTS.PROFESSIONAL.retentionSettings).toBe(false);
    expect(TIER_DEFAULTS.ENTERPRISE.retentionSettings).toBe(true);
  });

  it('lets a company override its tier defaults', () => {
    const e = resolveEntitlements('STARTER', { seats: 40, modules: { ai: true } });
    expect(e).toMatchObject({
      seats: 40,
      apiRequestsPerMinute: 300,
      modules: { ai: true, hr: true, workflow: false },
    });
  });
});

describe('prices', () => {
  it('are exact decimals with two places', () => {
    expect(parsePrice('19.99')).toBe('19.99');
    expect(parsePrice('5')).toBe('5.00');
    expect(parsePrice('0.1')).toBe('0.10');
    expect(normalize(toCents('19.99') * 3n)).toBe('59.97');
    expect(() => parsePrice('1e3')).toThrow();
    expect(() => parsePrice('019.99')).toThrow();
  });
});
