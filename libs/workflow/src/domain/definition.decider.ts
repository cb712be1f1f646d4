import type { Command, Decider } from '@maple/platform';
import type { WorkflowDefinitionEvent } from './definition.events';
import type { Definition } from './definition.types';
import { validateDefinition } from './definition-graph';
import { WorkflowError } from './workflow.errors';

export type DefinitionState = { exists: boolean; companyId: string | null; versions: Record<number, Definition>; latest: number; active: boolean };

export type DefinitionCommand =
  | (Command<'PublishDefinition'> & { definitionId: string; companyId: string; definition: unknown })
  | (Command<'DeactivateDefinition'> & { reason: string | null });

export const initialDefinition: DefinitionState = { exists: false, companyId: null, versions: {}, latest: 0, active: false };

function decide(cmd: DefinitionCommand, s: DefinitionState): WorkflowDefinitionEvent[] {
  switch (cmd.type) {
    case 'PublishDefinition': {
      // Refused whole if any step is faulty: a published version is never half-valid.
      const definition = validateDefinition(cmd.definition);
      return [{ type: 'WorkflowDefinitionPublished', data: { definitionId: cmd.definitionId, companyId: cmd.companyId, version: s.latest + 1, definition, publishedBy: cmd.meta.actorId ?? 'system' } }];
    }
    case 'DeactivateDefinition':
      if (!s.exists) throw new WorkflowError('WORKFLOW.DEFINITION_NOT_FOUND', 'No such workflow definition.');
      if (!s.active) return [];
      return [{ type: 'WorkflowDefinitionDeactivated', data: { by: cmd.meta.actorId ?? 'system', reason: cmd.reason } }];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: DefinitionState, e: WorkflowDefinitionEvent): DefinitionState {
  switch (e.type) {
    case 'WorkflowDefinitionPublished':
      // Publishing a new version makes the definition active again.
      return { exists: true, companyId: e.data.companyId, versions: { ...s.versions, [e.data.version]: e.data.definition }, latest: e.data.version, active: true };
    case 'WorkflowDefinitionDeactivated':
      return { ...s, active: false };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const definitionDecider: Decider<DefinitionCommand, WorkflowDefinitionEvent, DefinitionState> = { initialState: initialDefinition, decide, evolve };
