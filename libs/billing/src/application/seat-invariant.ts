import type { Invariant, StoredEvent, Tx } from '@maple/platform';
import type { EntitlementsService } from './entitlements.service';

/**
 * The seat limit over identity's user events: registering or reactivating a user of a company
 * whose plan has no free seat refuses the command, in its own transaction, so nothing is written.
 * Identity knows nothing of plans; billing holds the rule in this one place.
 */
export function seatInvariant(entitlements: EntitlementsService): Invariant {
  return {
    name: 'billing.seats',
    handles: ['UserRegistered', 'UserReactivated'],
    async check(tx: Tx, event: StoredEvent): Promise<void> {
      const data = event.data as { userId: string; companyId?: string | null };
      const companyId = event.type === 'UserRegistered' ? (data.companyId ?? null) : event.companyId;
      if (!companyId) return; // platform administrators hold no seat
      await entitlements.assertSeatAvailable(tx, companyId, 1, data.userId);
    },
  };
}
