import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventsHandler } from '@nestjs/cqrs';
import type { IEventHandler } from '@nestjs/cqrs';
import { Database, EventCommitted } from '@maple/platform';
import type { StoredEvent } from '@maple/platform';
import type { Definition } from '../domain/definition.types';
import { evaluate, truthy } from '../domain/json-logic';
import { WorkflowInstances, derivedId, systemMeta } from './instances';

/** The facts of another context's event a trigger may test; never its (personal) payload. */
function triggerFacts(e: StoredEvent): { recordId: string | null; recordType: string | null } {
  const d = e.data as Record<string, unknown>;
  return { recordId: typeof d.recordId === 'string' ? d.recordId : null, recordType: typeof d.type === 'string' ? d.type : null };
}

/**
 * Starts the instances that other contexts' events trigger (a KYC record created starts the
 * company's onboarding). The instance id derives from the definition and the event, so a
 * repeated delivery starts nothing twice.
 */
@Injectable()
export class WorkflowTriggers {
  private readonly log = new Logger('WorkflowTriggers');

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
  ) {}

  async onEvent(e: StoredEvent): Promise<string[]> {
    if (!e.companyId || e.type !== 'ComplianceRecordCreated') return [];
    const companyId = e.companyId;
    const defs = await this.db.transaction(
      (tx) => tx.query<{ id: string; steps: Definition }>(`SELECT id, steps FROM "Workflow" WHERE "companyId" = $1 AND "isActive" AND steps->'triggers' @> $2::jsonb`, companyId, JSON.stringify([{ event: e.type }])),
      { companyId },
    );
    const facts = triggerFacts(e);
    const started: string[] = [];
    for (const d of defs) {
      const t = (d.steps.triggers ?? []).find((x) => x.event === e.type && (x.when === undefined || truthy(evaluate(x.when, facts))));
      if (!t) continue;
      const instanceId = derivedId(d.id, e.eventId);
      const initiator = e.metadata.actorId ?? 'system';
      await this.instances.start(companyId, d.id, { trigger: facts }, { ...systemMeta(companyId, e.eventId, initiator), correlationId: e.metadata.correlationId }, { event: e.type, eventId: e.eventId, ...facts }, instanceId);
      started.push(instanceId);
    }
    return started;
  }
}

// Best-effort after commit (the EventBus swallows errors), so it logs what it could not start.
@EventsHandler(EventCommitted)
export class WorkflowTriggerHandler implements IEventHandler<EventCommitted> {
  constructor(@Inject(WorkflowTriggers) private readonly triggers: WorkflowTriggers) {}

  handle({ event }: EventCommitted): void {
    if (event.type !== 'ComplianceRecordCreated') return;
    this.triggers.onEvent(event).catch((e: unknown) => new Logger('WorkflowTriggers').error(`trigger of ${event.type} ${event.eventId} failed: ${String((e as Error).message).split('\n')[0]}`));
  }
}
