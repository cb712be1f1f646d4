import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventsHandler } from '@nestjs/cqrs';
import type { IEventHandler } from '@nestjs/cqrs';
import { Database, EventCommitted, Jobs } from '@maple/platform';
import type { StoredEvent } from '@maple/platform';
import type { Definition } from '../domain/definition.types';
import { evaluate, truthy } from '../domain/json-logic';
import { WorkflowInstances, derivedId, systemMeta } from './instances';

export const TRIGGER_JOB = 'workflow.trigger';
export type TriggerPayload = { companyId: string; eventId: string };

type SourceEvent = Pick<StoredEvent, 'eventId' | 'type' | 'data' | 'companyId'> & { metadata: Pick<StoredEvent['metadata'], 'actorId' | 'correlationId'> };

/** The facts of another context's event a trigger may test; never its (personal) payload. */
function triggerFacts(e: SourceEvent): { recordId: string | null; recordType: string | null } {
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

  /** Runs the triggers of a stored event, read by id in its company's scope (the trigger job). */
  async fromJob(p: TriggerPayload): Promise<string> {
    const [row] = await this.db.transaction(
      (tx) => tx.query<{ type: string; data: Record<string, unknown>; actor: string | null; correlation: string }>(`SELECT type, data, metadata->>'actorId' AS actor, metadata->>'correlationId' AS correlation FROM events WHERE event_id = $1::uuid AND company_id = $2`, p.eventId, p.companyId),
      { companyId: p.companyId },
    );
    if (!row) return `event ${p.eventId} not found`;
    const started = await this.onEvent({ eventId: p.eventId, type: row.type, data: row.data, companyId: p.companyId, metadata: { actorId: row.actor, correlationId: row.correlation } });
    return `${started.length} instance(s) started by ${row.type}`;
  }

  async onEvent(e: SourceEvent): Promise<string[]> {
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

// After the source's commit, the EventBus hands the event over to a job (keyed by the event):
// the instance starts in the worker, outside the request that wrote the event (and its
// Idempotency-Key), and a failing start is retried by the queue. The EventBus swallows errors,
// so a failure to queue is logged.
@EventsHandler(EventCommitted)
export class WorkflowTriggerHandler implements IEventHandler<EventCommitted> {
  constructor(@Inject(Jobs) private readonly jobs: Jobs) {}

  handle({ event }: EventCommitted): void {
    if (event.type !== 'ComplianceRecordCreated' || !event.companyId) return;
    const payload: TriggerPayload = { companyId: event.companyId, eventId: event.eventId };
    this.jobs.schedule(TRIGGER_JOB, payload, { singletonKey: event.eventId }).catch((e: unknown) => new Logger('WorkflowTriggers').error(`could not queue the triggers of ${event.type} ${event.eventId}: ${String((e as Error).message).split('\n')[0]}`));
  }
}
