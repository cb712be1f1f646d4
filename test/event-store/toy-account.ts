import { DomainError } from '@maple/platform';
import type { Command, CommandMeta, Decider, DomainEvent } from '@maple/platform';

// A deliberately small aggregate for exercising the event store and the CQRS plumbing.
export type AccountEvent = DomainEvent<'AccountOpened', { owner: string }> | DomainEvent<'MoneyDeposited', { amount: number }>;
export type AccountCommand = (Command<'OpenAccount'> & { owner: string }) | (Command<'Deposit'> & { amount: number });
export type AccountState = { open: boolean; balance: number };

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { open: false, balance: 0 },
  decide(cmd, s) {
    switch (cmd.type) {
      case 'OpenAccount':
        if (s.open) throw new DomainError('TOY.ALREADY_EXISTS', 'already open');
        return [{ type: 'AccountOpened', data: { owner: cmd.owner } }];
      case 'Deposit':
        if (!s.open) throw new DomainError('TOY.NOT_FOUND', 'no such account');
        if (cmd.amount <= 0) throw new DomainError('TOY.AMOUNT_INVALID', 'amount must be positive');
        return [{ type: 'MoneyDeposited', data: { amount: cmd.amount } }];
      default: {
        const never: never = cmd;
        throw new Error(`unknown command ${(never as Command).type}`);
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'AccountOpened':
        return { ...s, open: true };
      case 'MoneyDeposited':
        return { ...s, balance: s.balance + e.data.amount };
      default:
        return s;
    }
  },
};

let n = 0;
export function meta(companyId: string | null = 'company-a', over: Partial<CommandMeta> = {}): CommandMeta {
  n++;
  return { commandId: `cmd-${Date.now()}-${n}-${Math.random()}`, now: new Date(), actorId: 'user-1', companyId, correlationId: `corr-${n}`, ip: '10.0.0.1', userAgent: 'jest', ...over };
}
