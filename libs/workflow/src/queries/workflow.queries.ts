import type { Tx } from '@maple/platform';

export type DefinitionRow = { id: string; name: string; description: string | null; type: string; isActive: boolean; version: number; definition: Record<string, unknown>; createdAt: Date; updatedAt: Date };
export type InstanceRow = { id: string; definitionId: string; version: number; status: string; outcome: string | null; currentStep: string | null; initiatedBy: string; trigger: unknown; dataVersion: number; failure: unknown; startedAt: Date; updatedAt: Date };
export type TaskRow = {
  id: string;
  instanceId: string;
  definitionId: string;
  stepId: string;
  kind: string;
  status: string;
  outcome: string | null;
  assigneeRole: string | null;
  assigneeUser: string | null;
  eligibleUsers: string[] | null;
  claimedBy: string | null;
  delegatedFrom: unknown;
  decisions: unknown[];
  dueAt: Date | null;
  overdue: boolean;
  escalated: boolean;
  createdAt: Date;
};

const DEFINITION_COLUMNS = `w.id, w.name, w.description, w.type, w."isActive", (w.steps->>'version')::int AS version, w.steps - 'version' AS definition, w."createdAt", w."updatedAt"`;

export function listDefinitions(tx: Tx, companyId: string): Promise<DefinitionRow[]> {
  return tx.query<DefinitionRow>(`SELECT ${DEFINITION_COLUMNS} FROM "Workflow" w WHERE w."companyId" = $1 ORDER BY w."createdAt", w.id LIMIT 500`, companyId);
}

export async function getDefinition(tx: Tx, companyId: string, id: string, version?: number): Promise<DefinitionRow | null> {
  const [row] = await tx.query<DefinitionRow>(`SELECT ${DEFINITION_COLUMNS} FROM "Workflow" w WHERE w."companyId" = $1 AND w.id = $2`, companyId, id);
  if (!row || version === undefined || version === row.version) return row ?? null;
  const [v] = await tx.query<{ definition: Record<string, unknown> }>(`SELECT definition FROM "workflow_definition_versions" WHERE company_id = $1 AND definition_id = $2 AND version = $3`, companyId, id, version);
  return v ? { ...row, version, definition: v.definition } : null;
}

const INSTANCE_COLUMNS = `instance_id AS id, definition_id AS "definitionId", version, status, outcome, current_step AS "currentStep", initiated_by AS "initiatedBy", trigger, data_version AS "dataVersion", failure, started_at AS "startedAt", updated_at AS "updatedAt"`;

export function listInstances(tx: Tx, companyId: string, f: { definitionId?: string; status?: string }): Promise<InstanceRow[]> {
  return tx.query<InstanceRow>(
    `SELECT ${INSTANCE_COLUMNS} FROM "workflow_instances" WHERE company_id = $1 AND ($2::text IS NULL OR definition_id = $2) AND ($3::text IS NULL OR status = $3) ORDER BY started_at DESC, instance_id LIMIT 200`,
    companyId,
    f.definitionId ?? null,
    f.status ?? null,
  );
}

export async function getInstance(tx: Tx, companyId: string, id: string): Promise<InstanceRow | null> {
  const [row] = await tx.query<InstanceRow>(`SELECT ${INSTANCE_COLUMNS} FROM "workflow_instances" WHERE company_id = $1 AND instance_id = $2`, companyId, id);
  return row ?? null;
}

const TASK_COLUMNS = `task_id AS id, instance_id AS "instanceId", definition_id AS "definitionId", step_id AS "stepId", kind, status, outcome, assignee_role AS "assigneeRole", assignee_user AS "assigneeUser",
  eligible_users AS "eligibleUsers", claimed_by AS "claimedBy", delegated_from AS "delegatedFrom", decisions, due_at AS "dueAt", (status = 'open' AND due_at < now()) AS overdue, escalated, created_at AS "createdAt"`;

export type InboxFilter = 'mine' | 'role' | 'overdue' | 'all';

/**
 * The open tasks: `mine` (claimed by, assigned to, or listed for the user), `role` (open to the
 * user's role and unclaimed), `overdue` (past due), `all` (every open task of the company).
 */
export function inbox(tx: Tx, companyId: string, who: { userId: string; role: string }, filter: InboxFilter, instanceId?: string): Promise<TaskRow[]> {
  const where: Record<InboxFilter, string> = {
    mine: `(claimed_by = $2::text OR assignee_user = $2::text OR (claimed_by IS NULL AND eligible_users ? $2::text)) AND $3::text IS NOT NULL`,
    role: `(claimed_by IS NULL AND assignee_user IS NULL AND assignee_role = $3::text) AND $2::text IS NOT NULL`,
    overdue: `due_at < now() AND $2::text IS NOT NULL AND $3::text IS NOT NULL`,
    // Every filter names both parameters, so their types are always known.
    all: `$2::text IS NOT NULL AND $3::text IS NOT NULL`,
  };
  return tx.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM "workflow_tasks" WHERE company_id = $1 AND ($4::text IS NULL OR instance_id = $4) AND ($4::text IS NOT NULL OR status = 'open') AND ${where[filter]} ORDER BY created_at, task_id LIMIT 200`,
    companyId,
    who.userId,
    who.role,
    instanceId ?? null,
  );
}

export async function getTask(tx: Tx, companyId: string, id: string): Promise<TaskRow | null> {
  const [row] = await tx.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM "workflow_tasks" WHERE company_id = $1 AND task_id = $2`, companyId, id);
  return row ?? null;
}
