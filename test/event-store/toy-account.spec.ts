import { given } from '@maple/platform';
import { accountDecider, meta } from './toy-account';

describe('given/when/then helper on a decider', () => {
  it('decides events from history', () => {
    given(accountDecider, [{ type: 'AccountOpened', data: { owner: 'ann' } }])
      .when({ type: 'Deposit', amount: 5, meta: meta() })
      .then([{ type: 'MoneyDeposited', data: { amount: 5 } }]);
  });

  it('reports refused commands by code', () => {
    given(accountDecider, []).when({ type: 'Deposit', amount: 5, meta: meta() }).thenThrows('TOY.NOT_FOUND');
    given(accountDecider, [{ type: 'AccountOpened', data: { owner: 'ann' } }]).when({ type: 'Deposit', amount: -1, meta: meta() }).thenThrows('TOY.AMOUNT_INVALID');
  });

  it('fails when the decision differs from the expectation (the helper can fail)', () => {
    expect(() =>
      given(accountDecider, [{ type: 'AccountOpened', data: { owner: 'ann' } }])
        .when({ type: 'Deposit', amount: 5, meta: meta() })
        .then([{ type: 'MoneyDeposited', data: { amount: 6 } }]),
    ).toThrow();
    expect(() => given(accountDecider, []).when({ type: 'OpenAccount', owner: 'x', meta: meta() }).thenThrows('TOY.NOT_FOUND')).toThrow();
  });
});
