import { rulesRiskModel } from './risk-model';

describe('rules-1 risk model', () => {
  it('scores a large cash transfer to a high-risk country high, with a breakdown', () => {
    const r = rulesRiskModel.assess({ type: 'AML', data: { amount: '250000.00', country: 'IR', channel: 'cash' } });
    expect(r).toEqual({
      score: 75,
      model: 'rules-1',
      registryVersionId: 'maple-compliance-risk@rules-1',
      breakdown: [
        { factor: 'base', points: 5 },
        { factor: 'high_risk_country', points: 25, detail: 'IR' },
        { factor: 'amount_band', points: 30, detail: '250000.00' },
        { factor: 'risky_channel', points: 15, detail: 'cash' },
      ],
    });
  });

  it('lets a strong sanctions hit dominate and clamps to 100', () => {
    expect(rulesRiskModel.assess({ type: 'OFAC', data: { country: 'Iran' }, screening: { listVersion: 'abc', topScore: 0.98, hits: 2 } }).score).toBe(100);
    expect(rulesRiskModel.assess({ type: 'OFAC', data: {}, screening: { listVersion: 'abc', topScore: 0, hits: 0 } }).score).toBe(5);
  });
});
