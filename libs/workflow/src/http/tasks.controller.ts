import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Database, RequirePermission, requestMeta, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { WorkflowInstances } from '../application/instances';
import { inbox } from '../queries/workflow.queries';
import { CompleteTaskDto, DecideDto, DelegateDto, InboxQueryDto } from './dto/workflow.dto';
import { taskIdParam } from './params';
import { INSTANCE_EXAMPLE, TASK_EXAMPLE } from './views';
import { WorkflowReads } from './workflow-reads';

const NOT_FOUND = "WORKFLOW.TASK_NOT_FOUND (also for another company's id)";
const CLOSED = 'WORKFLOW.ALREADY_DECIDED (closed, or you decided already), WORKFLOW.STALE_DATA, WORKFLOW.WRONG_STEP_KIND';

// The task inbox: claim, complete (form-validated), delegate, approve or reject.
@ApiTags('workflow')
@Controller('workflow/tasks')
@RequiresModule('workflow')
export class TasksController {
  constructor(
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(WorkflowReads) private readonly reads: WorkflowReads,
    @Inject(Database) private readonly db: Database,
  ) {}

  @Get()
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: 'Open tasks: mine (default), my role’s, overdue, or all of the company' })
  @ApiOkResponse({ schema: { example: { items: [TASK_EXAMPLE] } } })
  async list(@Query() q: InboxQueryDto, @CurrentPrincipal() p: Principal) {
    return { items: await this.db.transaction((tx) => inbox(tx, p.companyId ?? '', { userId: p.userId, role: p.role }, q.filter ?? 'mine'), tenantScope(p)) };
  }

  @Get(':id')
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: 'A task with its decisions' })
  @ApiOkResponse({ schema: { example: TASK_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async get(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.reads.task(p, taskIdParam(id));
  }

  @Post(':id/claim')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Claim a task open to you or your role' })
  @ApiOkResponse({ schema: { example: { ...TASK_EXAMPLE, claimedBy: 'user-bob' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU' })
  @ApiConflictResponse({ description: `WORKFLOW.TASK_ALREADY_CLAIMED, ${CLOSED}` })
  async claim(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.instances.onTask(p.companyId ?? '', taskIdParam(id), () => ({ type: 'ClaimTask', taskId: id, actorRole: p.role, meta: requestMeta(req, p) }));
    return this.reads.task(p, id);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: "Complete a task with data validated against its step's form" })
  @ApiOkResponse({ schema: { example: { ...INSTANCE_EXAMPLE, dataVersion: 1 } } })
  @ApiBadRequestResponse({ description: 'WORKFLOW.FORM_INVALID with the faulty `field`' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU' })
  @ApiConflictResponse({ description: CLOSED })
  async complete(@Param('id') id: string, @Body() body: CompleteTaskDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const { state } = await this.instances.onTask(p.companyId ?? '', taskIdParam(id), () => ({ type: 'CompleteTask', taskId: id, actorRole: p.role, form: body.data, comment: body.comment ?? null, seenDataVersion: body.dataVersion, meta: requestMeta(req, p) }));
    return this.reads.afterWrite(state);
  }

  @Post(':id/delegate')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Delegate a task you hold to a colleague with the same role (the original assignee is recorded)' })
  @ApiOkResponse({ schema: { example: { ...TASK_EXAMPLE, assigneeRole: null, assigneeUser: 'user-carol', claimedBy: 'user-carol', delegatedFrom: { role: 'COMPLIANCE_OFFICER', user: null } } } })
  @ApiBadRequestResponse({ description: 'WORKFLOW.DELEGATE_INVALID' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU' })
  async delegate(@Param('id') id: string, @Body() body: DelegateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.instances.delegate(p.companyId ?? '', taskIdParam(id), p.role, body.to, body.comment ?? null, requestMeta(req, p));
    return this.reads.task(p, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Approve (four-eyes: never the initiator, never someone who approved earlier, once per person)' })
  @ApiOkResponse({ schema: { example: INSTANCE_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'WORKFLOW.FOUR_EYES or WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU' })
  @ApiConflictResponse({ description: CLOSED })
  async approve(@Param('id') id: string, @Body() body: DecideDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.decide(id, 'approve', body, p, req);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Reject (in an `all` step one rejection vetoes)' })
  @ApiOkResponse({ schema: { example: { ...INSTANCE_EXAMPLE, status: 'completed', outcome: 'rejected' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'WORKFLOW.FOUR_EYES or WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU' })
  @ApiConflictResponse({ description: CLOSED })
  async reject(@Param('id') id: string, @Body() body: DecideDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.decide(id, 'reject', body, p, req);
  }

  private async decide(id: string, decision: 'approve' | 'reject', body: DecideDto, p: Principal, req: FastifyRequest) {
    const { state } = await this.instances.onTask(p.companyId ?? '', taskIdParam(id), () => ({ type: 'DecideApproval', taskId: id, actorRole: p.role, decision, comment: body.comment ?? null, seenDataVersion: body.dataVersion, meta: requestMeta(req, p) }));
    return this.reads.afterWrite(state);
  }
}
