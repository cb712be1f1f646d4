/** AI: the registry of models and their predictions (read side so far). */
export { AiModule } from './ai.module';
