import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, matrixRoleOf, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { AiError } from '../domain/ai.errors';
import { MAX_BATCH, parseBatch, parsePrediction } from '../application/prediction-input';
import { AiPredictions } from '../application/predictions';
import { AiPredictionSeals } from '../application/prediction-seals';
import { PredictionRefusals } from './api-docs';
import { BATCH_EXAMPLE, PREDICTION_BODY_EXAMPLE, PREDICTION_EXAMPLE, VERIFY_EXAMPLE } from './examples';

// Who reads, and why (X-Purpose): the platform reader decides what of a kept input they see.
const viewOf = (req: FastifyRequest, p: Principal) => {
  const purpose = req.headers['x-purpose'];
  return {
    viewer: { userId: p.userId, role: matrixRoleOf(p) },
    purpose: typeof purpose === 'string' && purpose.trim() ? purpose.trim().slice(0, 300) : null,
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  };
};

const companyOf = (p: Principal): string => {
  if (!p.companyId) throw new AiError('AI.GLOBAL_MODEL_READ_ONLY', 'Predictions are logged by a company.');
  return p.companyId;
};

/** The prediction log (telemetry sealed into the chain by batch) and human oversight. */
@ApiTags('ai')
@Controller('ai')
@RequiresModule('ai')
export class AiPredictionsController {
  constructor(
    @Inject(AiPredictions) private readonly predictions: AiPredictions,
    @Inject(AiPredictionSeals) private readonly seals: AiPredictionSeals,
  ) {}

  @Post('models/:id/predictions')
  @RequirePermission('ai:predict')
  @ApiOperation({ summary: "Log one prediction of the model's deployed version: input hash (the input itself is not kept), output, top-k explanation, purpose, latency" })
  @ApiBody({ schema: { type: 'object', required: ['input', 'output', 'explanation', 'purpose', 'latencyMs'], example: PREDICTION_BODY_EXAMPLE } })
  @ApiCreatedResponse({ schema: { example: { ...BATCH_EXAMPLE, count: 1, predictionIds: ['c1'] } } })
  @PredictionRefusals()
  async one(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal) {
    const r = await this.predictions.record(companyOf(p), id, [parsePrediction(b, 'body')], p.userId);
    return { ...r, count: 1 };
  }

  @Post('models/:id/predictions/batch')
  @RequirePermission('ai:predict')
  @ApiOperation({ summary: `Log up to ${MAX_BATCH} predictions as one batch, sealed by its Merkle root` })
  @ApiBody({ schema: { type: 'object', required: ['predictions'], example: { predictions: [PREDICTION_BODY_EXAMPLE] } } })
  @ApiCreatedResponse({ schema: { example: BATCH_EXAMPLE } })
  @PredictionRefusals()
  async batch(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal) {
    const items = parseBatch((b as { predictions?: unknown } | null)?.predictions);
    const r = await this.predictions.record(companyOf(p), id, items, p.userId);
    return { ...r, count: items.length };
  }

  @Get('predictions/verify')
  @RequirePermission('audit:verify')
  @ApiOperation({ summary: "Recompute every sealed prediction batch from its rows against the roots in the company's chain; a changed, missing or added row is named by batch and position" })
  @ApiOkResponse({ schema: { example: VERIFY_EXAMPLE } })
  verify(@CurrentPrincipal() p: Principal) {
    return this.seals.verify(companyOf(p));
  }

  @Get('predictions/:id')
  @RequirePermission('ai:read')
  @ApiOperation({ summary: 'One prediction with its human reviews (its history) and its seal' })
  @ApiOkResponse({ schema: { example: PREDICTION_EXAMPLE } })
  @ApiNotFoundResponse({ description: "AI.PREDICTION_NOT_FOUND (also for another company's id)" })
  @ApiHeader({ name: 'X-Purpose', required: false, description: 'Why you read a kept input (personal data): without it the input reads as [purpose required]; the read is logged as an audit VIEW row.' })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.predictions.get(companyOf(p), id, viewOf(req, p));
  }

  @Post('predictions/:id/reviews')
  @HttpCode(201)
  @RequirePermission('ai:oversee')
  @ApiOperation({ summary: 'Human review of a prediction: accepted, or overridden with a reason and the new outcome' })
  @ApiBody({ schema: { type: 'object', required: ['verdict'], example: { verdict: 'overridden', reason: 'Known counterparty.', newOutput: { label: 'clear' } } } })
  @ApiCreatedResponse({ schema: { example: PREDICTION_EXAMPLE } })
  @ApiNotFoundResponse({ description: 'AI.PREDICTION_NOT_FOUND' })
  async review(@Param('id') id: string, @Body() b: unknown, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const body = b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
    await this.predictions.review(companyOf(p), id, body, requestMeta(req, p));
    return this.predictions.get(companyOf(p), id, viewOf(req, p));
  }
}
