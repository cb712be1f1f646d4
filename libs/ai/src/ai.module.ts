import { Module } from '@nestjs/common';
import { AiModelsController } from './http/ai-models.controller';

@Module({ controllers: [AiModelsController] })
export class AiModule {}
