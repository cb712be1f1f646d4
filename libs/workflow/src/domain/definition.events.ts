import type { Definition } from './definition.types';

export type WorkflowDefinitionEvent =
  | { type: 'WorkflowDefinitionPublished'; data: { definitionId: string; companyId: string; version: number; definition: Definition; publishedBy: string } }
  | { type: 'WorkflowDefinitionDeactivated'; data: { by: string; reason: string | null } };

export const DEFINITION_EVENT_TYPES: readonly WorkflowDefinitionEvent['type'][] = ['WorkflowDefinitionPublished', 'WorkflowDefinitionDeactivated'];
