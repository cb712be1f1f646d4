import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database, EventStore, fold } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { definitionDecider } from '../domain/definition.decider';
import type { DefinitionState } from '../domain/definition.decider';
import type { WorkflowDefinitionEvent } from '../domain/definition.events';
import { WorkflowError } from '../domain/workflow.errors';
import { definitionStreamId } from '../projections/workflow.projection';

/** Publishing and deactivating definitions; loading a pinned version for an instance. */
@Injectable()
export class WorkflowDefinitions {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  private run(companyId: string, id: string, cmd: Parameters<typeof definitionDecider.decide>[0]) {
    return this.runner.run(definitionDecider, { id: definitionStreamId(id), type: 'WorkflowDefinition', companyId }, cmd);
  }

  /** A new definition (version 1), or version n+1 of an existing one of the same company. */
  async publish(companyId: string, definitionId: string | null, definition: unknown, meta: CommandMeta): Promise<{ definitionId: string; version: number }> {
    const id = definitionId ?? randomUUID();
    if (definitionId) await this.load(companyId, definitionId);
    const { state } = await this.run(companyId, id, { type: 'PublishDefinition', definitionId: id, companyId, definition, meta });
    return { definitionId: id, version: state.latest };
  }

  async deactivate(companyId: string, definitionId: string, reason: string | null, meta: CommandMeta): Promise<void> {
    await this.load(companyId, definitionId);
    await this.run(companyId, definitionId, { type: 'DeactivateDefinition', reason, meta });
  }

  /** The definition's state, read in the company's scope: another company's id is unknown. */
  async load(companyId: string, definitionId: string): Promise<DefinitionState> {
    const events = await this.db.transaction((tx) => this.store.readStream(tx, definitionStreamId(definitionId)), { companyId });
    const state = fold(definitionDecider, events.map((e) => ({ type: e.type, data: e.data }) as WorkflowDefinitionEvent));
    if (!state.exists || state.companyId !== companyId) throw new WorkflowError('WORKFLOW.DEFINITION_NOT_FOUND', 'No such workflow definition.');
    return state;
  }
}
