export type AuditAction = 'CREATE' | 'UPDATE' | 'DELETE' | 'VIEW';

// Event types whose name says the entity is gone. "Deactivated", "Suspended" and the like are
// UPDATEs: the entity still exists and can come back, so its fields stay in the audit state.
const DELETE_SUFFIX = /(Deleted|Removed|Erased|Purged)$/;

/**
 * Maps event types to audit actions. Defaults: the first event of a stream is CREATE, types
 * ending in Deleted/Removed/Erased/Purged are DELETE, everything else UPDATE. A context registers
 * an explicit action where its event names don't follow that pattern (e.g. 'ContractTerminated').
 */
export class AuditActions {
  private readonly explicit = new Map<string, Exclude<AuditAction, 'VIEW'>>();
  private readonly fields = new Map<string, (data: Record<string, unknown>) => Record<string, unknown>>();

  /**
   * The entity fields an event sets, where its data is not already shaped like the entity
   * (e.g. SubscriptionTierChanged {from, to} sets `tier`). The audit diff is then in the
   * entity's own terms. Without a registration the event's data is taken as the fields.
   */
  registerFields(eventType: string, fn: (data: Record<string, unknown>) => Record<string, unknown>): this {
    this.fields.set(eventType, fn);
    return this;
  }

  fieldsOf(eventType: string, data: unknown): unknown {
    const fn = this.fields.get(eventType);
    return fn && data !== null && typeof data === 'object' ? fn(data as Record<string, unknown>) : data;
  }

  register(eventType: string, action: Exclude<AuditAction, 'VIEW'>): this {
    this.explicit.set(eventType, action);
    return this;
  }

  actionFor(eventType: string, version: number): Exclude<AuditAction, 'VIEW'> {
    const explicit = this.explicit.get(eventType);
    if (explicit) return explicit;
    if (version === 1) return 'CREATE';
    return DELETE_SUFFIX.test(eventType) ? 'DELETE' : 'UPDATE';
  }
}
