import { Inject, Module } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { PersonalData, ProjectionRegistry } from '@maple/platform';
import { AuditModule } from '@maple/audit';
import { BillingModule } from '@maple/billing';
import { BuiltinModels } from './application/builtin-models';
import { AiDrift } from './application/drift';
import { AiPredictionSeals } from './application/prediction-seals';
import { AiPredictions } from './application/predictions';
import { AiRegistry } from './application/registry.commands';
import { AI_EVENT_PRIVACY, AI_FIELDS } from './domain/ai-privacy';
import { AiGlobalModelsController } from './http/ai-global-models.controller';
import { AiModelsController } from './http/ai-models.controller';
import { AiPredictionsController } from './http/ai-predictions.controller';
import { oversightProjection } from './projections/oversight.projection';
import { registryProjection } from './projections/registry.projection';
import { AiRegistryReads } from './queries/registry.query';

/** AI: the model registry (versions, validation, two-person approval, deployment), the prediction log and oversight. */
@Module({
  imports: [AuditModule, BillingModule],
  controllers: [AiModelsController, AiPredictionsController, AiGlobalModelsController],
  providers: [AiRegistry, AiRegistryReads, AiPredictions, AiPredictionSeals, AiDrift, BuiltinModels],
  exports: [AiRegistry, AiRegistryReads, AiPredictions, AiPredictionSeals, AiDrift, BuiltinModels],
})
export class AiModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(BuiltinModels) private readonly builtins: BuiltinModels,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  onModuleInit(): void {
    for (const [type, privacy] of Object.entries(AI_EVENT_PRIVACY)) this.personal.registry.registerEvent(type, privacy);
    this.personal.registry.registerFields(AI_FIELDS);
    this.projections.registerInline(registryProjection);
    this.projections.registerInline(oversightProjection);
  }

  // Maple's own models (compliance's rules-1, the sanctions matcher) are registry versions.
  async onApplicationBootstrap(): Promise<void> {
    await this.builtins.install();
  }
}
