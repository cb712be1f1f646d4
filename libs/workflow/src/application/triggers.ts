import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventsHandler } from '@nestjs/cqrs';
import type { IEventHandler } from '@nestjs/cqrs';
import { Database, EventCommitted, Jobs } from '@maple/platform';
import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { Definition } from '../domain/definition.types';
import { evaluate, truthy } from '../domain/json-logic';
import { WorkflowInstances, derivedId, systemMeta } from './instances';
import { WorkflowError } from '../domain/workflow.errors';
import { TRIGGER_EVENTS } from '../domain/definition.types';

export const TRIGGER_JOB = 'workflow.trigger';

/**
 * Every triggering event, recorded in workflow_trigger_inbox in the transaction that moves this
 * projection's checkpoint (the daemon reads the store gap-free, in order): so no event is missed
 * even when the process dies between the source's commit and the queueing of its trigger job.
 * The job marks the row done; `workflow.reconcile` queues the job again for rows left undone.
 * Not a read model (no tables to rebuild): the rows are bookkeeping of delivery.
 */
export const triggerInboxProjection: Projection = {
  name: 'workflow.trigger-inbox',
  handles: TRIGGER_EVENTS,
  tables: [],
  async apply(tx: Tx, e: StoredEvent): Promise<void> {
    if (!e.companyId) return;
    await tx.execute(`INSERT INTO "workflow_trigger_inbox" ("company_id", "event_id") VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING`, e.companyId, e.eventId);
  },
};
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
    let outcome: string;
    if (!row) outcome = `event ${p.eventId} not found`;
    else {
      try {
        const started = await this.onEvent({ eventId: p.eventId, type: row.type, data: row.data, companyId: p.companyId, metadata: { actorId: row.actor, correlationId: row.correlation } });
        outcome = `${started.length} instance(s) started by ${row.type}`;
      } catch (e) {
        // A refusal (the definition was deactivated meanwhile) is an outcome, not a failure to retry.
        if (!(e instanceof WorkflowError)) throw e;
        outcome = `${row.type} started nothing: ${e.code}`;
      }
    }
    await this.db.transaction(
      (tx) => tx.execute(`INSERT INTO "workflow_trigger_inbox" ("company_id", "event_id", "done_at") VALUES ($1, $2::uuid, now()) ON CONFLICT ("company_id", "event_id") DO UPDATE SET "done_at" = now()`, p.companyId, p.eventId),
      { companyId: p.companyId },
    );
    return outcome;
  }

  async onEvent(e: SourceEvent): Promise<string[]> {
    if (!e.companyId || !(TRIGGER_EVENTS as readonly string[]).includes(e.type)) return [];
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

// The fast path. After the source's commit, the EventBus hands the event over to a job (keyed by the event):
// the instance starts in the worker, outside the request that wrote the event (and its
// Idempotency-Key), and a failing start is retried by the queue. The EventBus swallows errors,
// so a failure to queue is logged; the inbox above makes sure it runs anyway.
@EventsHandler(EventCommitted)
export class WorkflowTriggerHandler implements IEventHandler<EventCommitted> {
  constructor(@Inject(Jobs) private readonly jobs: Jobs) {}

  handle({ event }: EventCommitted): void {
    if (!(TRIGGER_EVENTS as readonly string[]).includes(event.type) || !event.companyId) return;
    const payload: TriggerPayload = { companyId: event.companyId, eventId: event.eventId };
    this.jobs.schedule(TRIGGER_JOB, payload, { singletonKey: event.eventId }).catch((e: unknown) => new Logger('WorkflowTriggers').error(`could not queue the triggers of ${event.type} ${event.eventId}: ${String((e as Error).message).split('\n')[0]}`));
  }
}
