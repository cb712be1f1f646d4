import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Database, RequirePermission, requestMeta, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { WorkflowDefinitions } from '../application/definitions';
import { WorkflowInstances } from '../application/instances';
import type { Definition } from '../domain/definition.types';
import { toMermaid } from '../domain/diagram';
import { simulate } from '../domain/simulate';
import { WorkflowError } from '../domain/workflow.errors';
import { getDefinition, listDefinitions } from '../queries/workflow.queries';
import { DEFINITION_EXAMPLE, DeactivateDto, DefinitionVersionQueryDto, PublishDefinitionDto, SimulateDto, StartInstanceDto } from './dto/workflow.dto';
import { definitionIdParam } from './params';
import { INSTANCE_EXAMPLE } from './views';
import { WorkflowReads } from './workflow-reads';

const NOT_FOUND = "WORKFLOW.DEFINITION_NOT_FOUND (also for another company's id)";
const DEFINITION_VIEW = { id: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f', name: DEFINITION_EXAMPLE.name, description: DEFINITION_EXAMPLE.description, type: 'onboarding', isActive: true, version: 1, definition: DEFINITION_EXAMPLE, createdAt: '2026-12-01T09:00:00.000Z', updatedAt: '2026-12-01T09:00:00.000Z' };
const INVALID = 'WORKFLOW.DEFINITION_INVALID: `step` and `field` point at the first fault, `errors` lists them';

// Definitions: published versions (n+1 each time), deactivation, simulation and a diagram.
@ApiTags('workflow')
@Controller('workflow/definitions')
@RequiresModule('workflow')
export class DefinitionsController {
  constructor(
    @Inject(WorkflowDefinitions) private readonly definitions: WorkflowDefinitions,
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(WorkflowReads) private readonly reads: WorkflowReads,
    @Inject(Database) private readonly db: Database,
  ) {}

  private async one(p: Principal, id: string, version?: number) {
    const row = await this.db.transaction((tx) => getDefinition(tx, p.companyId ?? '', id, version), tenantScope(p));
    if (!row) throw new WorkflowError('WORKFLOW.DEFINITION_NOT_FOUND', 'No such workflow definition (or version).');
    return row;
  }

  @Post()
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Publish a new definition as version 1' })
  @ApiCreatedResponse({ schema: { example: DEFINITION_VIEW } })
  @ApiBadRequestResponse({ description: INVALID })
  async publish(@Body() body: PublishDefinitionDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const { definitionId } = await this.definitions.publish(p.companyId ?? '', null, body.definition, requestMeta(req, p));
    return this.one(p, definitionId);
  }

  @Post(':id/versions')
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Publish version n+1 of a definition (running instances stay on their version); reactivates it' })
  @ApiCreatedResponse({ schema: { example: { ...DEFINITION_VIEW, version: 2 } } })
  @ApiBadRequestResponse({ description: INVALID })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async publishVersion(@Param('id') id: string, @Body() body: PublishDefinitionDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.definitions.publish(p.companyId ?? '', definitionIdParam(id), body.definition, requestMeta(req, p));
    return this.one(p, id);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Deactivate a definition: no new instances (running ones go on)' })
  @ApiOkResponse({ schema: { example: { ...DEFINITION_VIEW, isActive: false } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async deactivate(@Param('id') id: string, @Body() body: DeactivateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.definitions.deactivate(p.companyId ?? '', definitionIdParam(id), body.reason ?? null, requestMeta(req, p));
    return this.one(p, id);
  }

  @Get()
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: "The company's definitions, each at its latest version" })
  @ApiOkResponse({ schema: { example: { items: [DEFINITION_VIEW] } } })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.db.transaction((tx) => listDefinitions(tx, p.companyId ?? ''), tenantScope(p)) };
  }

  @Get(':id')
  @RequirePermission('workflows:read')
  @ApiOperation({ summary: 'A definition at its latest version, or at ?version=n' })
  @ApiOkResponse({ schema: { example: DEFINITION_VIEW } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async get(@Param('id') id: string, @Query() q: DefinitionVersionQueryDto, @CurrentPrincipal() p: Principal) {
    return this.one(p, definitionIdParam(id), q.version);
  }

  @Post(':id/simulate')
  @HttpCode(200)
  // A POST: held to the writers' permission like every POST, though it writes nothing.
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'The path an instance would take on sample data (writes nothing)' })
  @ApiOkResponse({ schema: { example: { path: [{ stepId: 'collect', kind: 'task', outcome: 'done' }, { stepId: 'route', kind: 'choice', branch: 0 }, { stepId: 'done', kind: 'end', outcome: 'approved' }], outcome: 'approved', truncated: false } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async simulate(@Param('id') id: string, @Query() q: DefinitionVersionQueryDto, @Body() body: SimulateDto, @CurrentPrincipal() p: Principal) {
    const row = await this.one(p, definitionIdParam(id), q.version);
    const decisions = Object.fromEntries(Object.entries(body.decisions ?? {}).filter(([, v]) => v === 'approve' || v === 'reject'));
    return simulate(row.definition as unknown as Definition, body.data ?? {}, decisions, new Date());
  }

  @Get(':id/diagram')
  @RequirePermission('workflows:read')
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'The definition as Mermaid flowchart text' })
  @ApiOkResponse({ description: 'Mermaid text', schema: { type: 'string', example: 'flowchart TD\n  start(( )) --> s_collect\n' } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async diagram(@Param('id') id: string, @Query() q: DefinitionVersionQueryDto, @CurrentPrincipal() p: Principal) {
    return toMermaid((await this.one(p, definitionIdParam(id), q.version)).definition as unknown as Definition);
  }

  @Post(':id/instances')
  @RequirePermission('workflows:write')
  @ApiOperation({ summary: 'Start an instance on the latest version (you are its initiator: four-eyes keeps you off its approvals)' })
  @ApiCreatedResponse({ schema: { example: INSTANCE_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'WORKFLOW.DEFINITION_INACTIVE' })
  async start(@Param('id') id: string, @Body() body: StartInstanceDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const { state } = await this.instances.start(p.companyId ?? '', definitionIdParam(id), body.data ?? {}, requestMeta(req, p));
    return this.reads.afterWrite(state);
  }
}
