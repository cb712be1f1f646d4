import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Database, RequirePermission, requestMeta, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { WorkflowInstances } from '../application/instances';
import { listInstances } from '../queries/workflow.queries';
import { DeactivateDto, ListInstancesQueryDto } from './dto/workflow.dto';
import { instanceIdParam } from './params';
import { INSTANCE_EXAMPLE, TASK_EXAMPLE } from './views';
import { WorkflowReads } from './workflow-reads';

const NOT_FOUND = "WORKFLOW.INSTANCE_NOT_FOUND (also for another company's id)";

// Instances: their state from their event stream; a failed action is retried or cancelled here.
// Their history is GET /audit/entities/WorkflowInstance/workflow-instance-{id}/history.
@ApiTags('workflow')
@Controller('workflow/instances')
@RequiresModule('workflow')
export class InstancesController {
  constructor(
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(WorkflowReads) private readonly reads: WorkflowReads,
    @Inject(Database) private readonly db: Database,
  ) {}

  @Get()
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: "The company's instances, newest first (by definition and status)" })
  @ApiOkResponse({ schema: { example: { items: [{ id: INSTANCE_EXAMPLE.id, definitionId: INSTANCE_EXAMPLE.definitionId, version: 1, status: 'running', outcome: null, currentStep: 'collect', initiatedBy: 'user-alice', trigger: null, dataVersion: 0, failure: null, startedAt: '2026-12-01T09:00:00.000Z', updatedAt: '2026-12-01T09:00:00.000Z' }] } } })
  async list(@Query() q: ListInstancesQueryDto, @CurrentPrincipal() p: Principal) {
    return { items: await this.db.transaction((tx) => listInstances(tx, p.companyId ?? '', q), tenantScope(p)) };
  }

  @Get(':id')
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: 'An instance: status, data and its version, current step, failure, tasks' })
  @ApiOkResponse({ schema: { example: { ...INSTANCE_EXAMPLE, tasks: [TASK_EXAMPLE] } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async get(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.reads.instance(p, instanceIdParam(id));
  }

  @Post(':id/retry')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Retry the failed action of an instance (it runs again only if it never took effect)' })
  @ApiOkResponse({ schema: { example: { ...INSTANCE_EXAMPLE, current: { ...INSTANCE_EXAMPLE.current, kind: 'action', action: { name: 'compliance.approveRecord', status: 'pending', attempts: 2 } } } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'WORKFLOW.NOT_FAILED' })
  async retry(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.instances.state(p.companyId ?? '', instanceIdParam(id));
    await this.instances.run(p.companyId ?? '', id, { type: 'RetryAction', meta: requestMeta(req, p) });
    return this.reads.instance(p, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Cancel a running or failed instance (its initiator or an administrator); its open tasks close' })
  @ApiForbiddenResponse({ description: 'WORKFLOW.NOT_ALLOWED' })
  @ApiOkResponse({ schema: { example: { ...INSTANCE_EXAMPLE, status: 'cancelled', current: null } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'WORKFLOW.INSTANCE_NOT_RUNNING' })
  async cancel(@Param('id') id: string, @Body() body: DeactivateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.instances.state(p.companyId ?? '', instanceIdParam(id));
    await this.instances.run(p.companyId ?? '', id, { type: 'CancelInstance', reason: body.reason ?? null, actorRole: p.role, meta: requestMeta(req, p) });
    return this.reads.instance(p, id);
  }
}
