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

  /** The instance with its tasks, as its stream says it is now. */
  async instance(p: Principal, id: string) {
    const companyId = p.companyId ?? '';
    const [row, tasks] = await this.db.transaction(async (tx) => [await getInstance(tx, companyId, id), await inbox(tx, companyId, { userId: p.userId, role: p.role }, 'all', id)] as const, tenantScope(p));
    if (!row) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
    return instanceView(await this.instances.state(companyId, id), tasks);
  }

  /** The answer to a write: the state its command committed, without its task list (read no more). */
  afterWrite(state: InstanceState) {
    return instanceView(state, undefined);
  }

  async task(p: Principal, id: string) {
    const row = await this.db.transaction((tx) => getTask(tx, p.companyId ?? '', id), tenantScope(p));
    if (!row) throw new WorkflowError('WORKFLOW.TASK_NOT_FOUND', 'No such task.');
    return row;
  }
}
