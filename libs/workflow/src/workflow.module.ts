import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { Jobs, ProjectionRegistry } from '@maple/platform';
import { AuditModule } from '@maple/audit';
import { BillingModule } from '@maple/billing';
import { ComplianceModule } from '@maple/compliance';
import { DEFAULT_WORKFLOW_SETTINGS, WORKFLOW_SETTINGS, WorkflowActions } from './application/actions';
import type { WorkflowSettings } from './application/actions';
import { WorkflowDefinitions } from './application/definitions';
import { ACTION_JOB, TIMER_JOB, WorkflowInstances } from './application/instances';
import type { ActionPayload, TimerPayload } from './application/instances';
import { WorkflowReconcile } from './application/reconcile';
import { TRIGGER_JOB, WorkflowTriggerHandler, WorkflowTriggers, triggerInboxProjection } from './application/triggers';
import type { TriggerPayload } from './application/triggers';
import { DefinitionsController } from './http/definitions.controller';
import { InstancesController } from './http/instances.controller';
import { TasksController } from './http/tasks.controller';
import { WorkflowReads } from './http/workflow-reads';
import { workflowProjection } from './projections/workflow.projection';

export const RECONCILE_JOB = 'workflow.reconcile';

/** Workflow: versioned definitions and event-sourced instances with tasks, SLAs and cross-context actions. */
@Module({
  imports: [AuditModule, BillingModule, ComplianceModule],
  controllers: [DefinitionsController, InstancesController, TasksController],
  providers: [{ provide: WORKFLOW_SETTINGS, useValue: structuredClone(DEFAULT_WORKFLOW_SETTINGS) }, WorkflowDefinitions, WorkflowInstances, WorkflowActions, WorkflowTriggers, WorkflowTriggerHandler, WorkflowReconcile, WorkflowReads],
  exports: [WorkflowDefinitions, WorkflowInstances, WorkflowActions, WorkflowTriggers, WorkflowReconcile, WORKFLOW_SETTINGS],
})
export class WorkflowModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(Jobs) private readonly jobs: Jobs,
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(WorkflowActions) private readonly actions: WorkflowActions,
    @Inject(WorkflowReconcile) private readonly reconcile: WorkflowReconcile,
    @Inject(WorkflowTriggers) private readonly triggers: WorkflowTriggers,
    @Inject(WORKFLOW_SETTINGS) private readonly settings: WorkflowSettings,
  ) {}

  onModuleInit(): void {
    this.projections.registerInline(workflowProjection);
    this.projections.registerAsync(triggerInboxProjection);
    // Durable timers and actions: pg-boss on PostgreSQL, the embedded queue on PGlite. Any
    // process can queue them; the worker (or the API on the embedded database) runs them.
    this.jobs.register<TimerPayload>({ name: TIMER_JOB, retry: { limit: 5, delaySeconds: 5, backoff: true }, handler: (p) => this.instances.fireTimer(p) });
    this.jobs.register<ActionPayload>({ name: ACTION_JOB, retry: { limit: this.settings.actionRetry.limit, delaySeconds: this.settings.actionRetry.delaySeconds, backoff: true }, handler: (p, run) => this.actions.execute(p, run, this.settings) });
    this.jobs.register<TriggerPayload>({ name: TRIGGER_JOB, retry: { limit: 5, delaySeconds: 5, backoff: true }, handler: (p) => this.triggers.fromJob(p) });
    this.jobs.register({ name: RECONCILE_JOB, cron: '* * * * *', runAtStart: true, handler: () => this.reconcile.run() });
  }
}
