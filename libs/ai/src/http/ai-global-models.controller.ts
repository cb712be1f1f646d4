import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { AiRegistryReads } from '../queries/registry.query';
import { MODEL_CARD_EXAMPLE } from './examples';

/** The catalog of global models a company may accept (POST /ai/models/:id/accept). */
@ApiTags('ai')
@Controller('ai/global-models')
@RequiresModule('ai')
export class AiGlobalModelsController {
  constructor(@Inject(AiRegistryReads) private readonly reads: AiRegistryReads) {}

  @Get()
  @RequirePermission('ai:read')
  @ApiOperation({ summary: 'Global models with their deployed version and model card, to review before accepting one' })
  @ApiOkResponse({ schema: { example: { items: [{ id: 'maple-compliance-risk', name: 'maple.compliance-risk', type: 'compliance', deployedVersionId: 'maple-compliance-risk@rules-1', version: 'rules-1', riskTier: 'high', modelCard: MODEL_CARD_EXAMPLE, artifactDigest: '…', performance: null }] } } })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: await this.reads.globalCatalog(p.companyId) };
  }
}
