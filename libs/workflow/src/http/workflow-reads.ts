import { Inject, Injectable } from '@nestjs/common';
import { Database, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { WorkflowInstances } from '../application/instances';
import type { InstanceState } from '../domain/instance.state';
import { WorkflowError } from '../domain/workflow.errors';
import { getInstance, getTask, inbox } from '../queries/workflow.queries';
import { instanceView } from './views';

/** What the workflow routes answer: an instance from its stream, tasks from the inbox. */
@Injectable()
export class WorkflowReads {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
  ) {}

  /** The instance; after a command, `known` is the state that command committed (no second read of the stream). */
  async instance(p: Principal, id: string, known?: InstanceState) {
    const companyId = p.companyId ?? '';
    const [row, tasks] = await this.db.transaction(async (tx) => [known ? true : await getInstance(tx, companyId, id), await inbox(tx, companyId, { userId: p.userId, role: p.role }, 'all', id)] as const, tenantScope(p));
    if (!row) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
    return instanceView(known ?? (await this.instances.state(companyId, id)), tasks);
  }

  async task(p: Principal, id: string) {
    const row = await this.db.transaction((tx) => getTask(tx, p.companyId ?? '', id), tenantScope(p));
    if (!row) throw new WorkflowError('WORKFLOW.TASK_NOT_FOUND', 'No such task.');
    return row;
  }
}
