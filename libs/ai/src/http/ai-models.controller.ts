import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { AiRegistry } from '../application/registry.commands';
import { AiRegistryReads } from '../queries/registry.query';
import { RegistryRefusals } from './api-docs';
import { MODEL_CARD_EXAMPLE, MODEL_EXAMPLE, VERSION_BODY_EXAMPLE, VERSION_EXAMPLE } from './examples';

type Body = Record<string, unknown>;
const body = (b: unknown): Body => (b && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {});
const owner = (p: Principal) => ({ companyId: p.companyId });

/**
 * The model registry. A company manages its own models; a platform administrator (no company)
 * manages global models through the same routes. Every change is an event on the model's
 * stream, in the company's hash chain and audit trail (GET /audit/entities/AiModel/<id>/history).
 */
@ApiTags('ai')
@Controller('ai/models')
@RequiresModule('ai')
export class AiModelsController {
  constructor(
    @Inject(AiRegistry) private readonly registry: AiRegistry,
    @Inject(AiRegistryReads) private readonly reads: AiRegistryReads,
  ) {}

  @Get()
  @RequirePermission('ai:read')
  @ApiOperation({
    summary: "List the company's model versions (its own models and the global ones it accepted)",
    description: 'Needs the AI module of the plan (PROFESSIONAL or ENTERPRISE, or an override in the subscription features); otherwise 403 BILLING.FEATURE_NOT_IN_PLAN.',
  })
  @ApiOkResponse({ schema: { example: { items: [VERSION_EXAMPLE] } } })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.reads.listVersions(p.companyId) };
  }

  @Post()
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Register a model (a platform administrator registers a global one)' })
  @ApiBody({ schema: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string', example: 'aml-alert-ranker' }, type: { enum: ['compliance', 'hr', 'analytics', 'agent'] } } } })
  @ApiCreatedResponse({ schema: { example: { ...MODEL_EXAMPLE, versions: [], aliasHistory: [], deployedVersionId: null, aliases: {} } } })
  @RegistryRefusals('AI.MODEL_EXISTS')
  async register(@Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const id = await this.registry.registerModel(owner(p), body(b), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Get(':id')
  @RequirePermission('ai:read')
  @ApiOperation({ summary: 'A model: its versions, deployed version, aliases and their history, stop and drift flags' })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.MODEL_NOT_FOUND')
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/versions')
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Register a version (status training): artifact digest, lineage, configuration with its thresholds, model card, risk tier' })
  @ApiBody({ schema: { type: 'object', required: ['version', 'artifactDigest', 'lineage', 'riskTier'], example: VERSION_BODY_EXAMPLE } })
  @ApiCreatedResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.VERSION_EXISTS')
  async registerVersion(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.registerVersion(owner(p), id, body(b), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Patch(':id/versions/:versionId')
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Amend a version in training (configuration, model card, artifact digest); refused once validated' })
  @ApiBody({ schema: { type: 'object', example: { modelCard: MODEL_CARD_EXAMPLE } } })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.VERSION_IMMUTABLE (validated versions never change)')
  async amend(@Param('id') id: string, @Param('versionId') versionId: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.amendVersion(owner(p), id, versionId, body(b), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/versions/:versionId/validate')
  @HttpCode(200)
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: "Validate a version with a report: its metrics are checked against the configuration's thresholds; the output baseline serves the drift check" })
  @ApiBody({ schema: { type: 'object', required: ['metrics'], example: { metrics: { auc: 0.91 }, baseline: { edges: [0, 0.5, 1], proportions: [0.7, 0.3] } } } })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @ApiUnprocessableEntityResponse({ description: 'AI.VALIDATION_BELOW_THRESHOLD, with the failing metrics; nothing is recorded' })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED')
  async validate(@Param('id') id: string, @Param('versionId') versionId: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.validate(owner(p), id, versionId, body(b), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/versions/:versionId/approve')
  @HttpCode(200)
  @RequirePermission('ai:approve')
  @ApiOperation({ summary: 'Approve a validated version: never by its author; a high-risk version needs two different approvers' })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @ApiUnprocessableEntityResponse({ description: 'AI.MODEL_CARD_REQUIRED' })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED', 'AI.SELF_APPROVAL or AI.SECOND_APPROVER_REQUIRED')
  async approve(@Param('id') id: string, @Param('versionId') versionId: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.approve(owner(p), id, versionId, requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/versions/:versionId/deploy')
  @HttpCode(200)
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Deploy an approved version; the version deployed before is retired (one deployed version per model)' })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.VERSION_NOT_APPROVED')
  async deploy(@Param('id') id: string, @Param('versionId') versionId: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.deploy(owner(p), id, versionId, requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/versions/:versionId/archive')
  @HttpCode(200)
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Archive a version (an archived deployed version leaves the model undeployed)' })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED')
  async archive(@Param('id') id: string, @Param('versionId') versionId: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.archive(owner(p), id, versionId, requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/aliases/:alias')
  @HttpCode(200)
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: 'Move an alias (champion or challenger) to a version; every move stays in the alias history' })
  @ApiBody({ schema: { type: 'object', required: ['versionId'], properties: { versionId: { type: 'string' } } } })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED')
  async moveAlias(@Param('id') id: string, @Param('alias') alias: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.moveAlias(owner(p), id, alias, String(body(b).versionId ?? ''), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @RequirePermission('ai:oversee')
  @ApiOperation({ summary: 'Emergency stop: new predictions on the model are refused (423 AI.MODEL_STOPPED) from now on' })
  @ApiBody({ schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', example: 'Scores look inverted since 10:00.' } } } })
  @ApiOkResponse({ schema: { example: { ...MODEL_EXAMPLE, stopped: { reason: 'Scores look inverted since 10:00.', by: 'usr_9', at: '2026-11-25T10:05:00.000Z' } } } })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED')
  async stop(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const reason = body(b).reason;
    await this.registry.stop(owner(p), id, typeof reason === 'string' ? reason : '', requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequirePermission('ai:oversee')
  @ApiOperation({ summary: 'Lift an emergency stop' })
  @ApiOkResponse({ schema: { example: MODEL_EXAMPLE } })
  @RegistryRefusals('AI.TRANSITION_NOT_ALLOWED')
  async resume(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.resume(owner(p), id, requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @RequirePermission('ai:manage')
  @ApiOperation({ summary: "Accept a global model's deployed version for the company: it becomes visible and predictions may run on it" })
  @ApiBody({ schema: { type: 'object', required: ['versionId'], properties: { versionId: { type: 'string' } } } })
  @ApiOkResponse({ schema: { example: { ...MODEL_EXAMPLE, global: true } } })
  @RegistryRefusals('AI.VERSION_NOT_DEPLOYED')
  async accept(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.registry.accept(p.companyId, id, String(body(b).versionId ?? ''), requestMeta(req, p));
    return this.reads.model(p.companyId, id);
  }
}
