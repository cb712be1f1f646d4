import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Database, RequirePermission, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';

type AiModelRow = {
  id: string;
  name: string;
  version: string;
  type: string;
  status: string;
  performance: unknown;
  createdAt: Date;
  updatedAt: Date;
};

/**
 * The AI model registry, read side. The AI module is a plan feature (PROFESSIONAL and up), so
 * the route is tagged with it and the billing interceptor answers 403 BILLING.FEATURE_NOT_IN_PLAN
 * to companies whose tier lacks it. Registration and predictions come with the AI issue.
 */
@ApiTags('ai')
@Controller('ai/models')
@RequiresModule('ai')
export class AiModelsController {
  constructor(@Inject(Database) private readonly db: Database) {}

  @Get()
  @RequirePermission('ai:read')
  @ApiOperation({
    summary: "List the company's AI models (name, version, type, status, performance)",
    description:
      'Needs the AI module of the plan (PROFESSIONAL or ENTERPRISE, or an override in the subscription features); otherwise 403 BILLING.FEATURE_NOT_IN_PLAN.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        items: [
          {
            id: 'mdl_1',
            name: 'aml-risk',
            version: '3.1.0',
            type: 'compliance',
            status: 'deployed',
            performance: { auc: 0.91 },
            createdAt: '2026-11-25T09:00:00.000Z',
            updatedAt: '2026-11-25T09:00:00.000Z',
          },
        ],
      },
    },
  })
  async list(@CurrentPrincipal() p: Principal): Promise<{ items: AiModelRow[] }> {
    const items = await this.db.transaction(
      (tx) =>
        tx.query<AiModelRow>(
          `SELECT id, name, version, type, status, performance, "createdAt", "updatedAt" FROM "AIModel" WHERE "companyId" = $1 ORDER BY name, version`,
          p.companyId ?? '',
        ),
      tenantScope(p),
    );
    return { items };
  }
}
