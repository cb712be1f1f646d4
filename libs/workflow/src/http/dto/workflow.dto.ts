import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT32 } from '@maple/platform';

export const DEFINITION_EXAMPLE = {
  name: 'KYC onboarding',
  description: 'Collect documents, two officers approve, the KYC record is approved.',
  type: 'onboarding',
  triggers: [{ event: 'ComplianceRecordCreated', when: { '==': [{ var: 'recordType' }, 'KYC'] } }],
  start: 'collect',
  steps: [
    { id: 'collect', kind: 'task', assignee: { role: 'COMPLIANCE_OFFICER' }, form: { type: 'object', required: ['documentsChecked'], properties: { documentsChecked: { type: 'boolean' } } }, sla: { due: 'P1D', onBreach: { reassignTo: 'ADMIN' } }, next: 'route' },
    { id: 'route', kind: 'choice', branches: [{ when: { '==': [{ var: 'documentsChecked' }, true] }, next: 'review' }], otherwise: 'rejected' },
    { id: 'review', kind: 'approval', assignees: { role: 'COMPLIANCE_OFFICER' }, complete: { quorum: 1 }, next: 'approve-record' },
    { id: 'approve-record', kind: 'action', action: 'compliance.approveRecord', input: { recordId: { var: 'trigger.recordId' }, reason: 'KYC onboarding completed' }, next: 'done' },
    { id: 'done', kind: 'end', outcome: 'approved' },
    { id: 'rejected', kind: 'end', outcome: 'rejected' },
  ],
};

export class PublishDefinitionDto {
  @ApiProperty({ description: "Maple's workflow definition format (README \"Workflow\"): name, type (onboarding | compliance | approval), start, steps, triggers. Validated with a JSON Schema and graph checks; an error names the step and the field.", example: DEFINITION_EXAMPLE })
  @IsObject()
  definition!: Record<string, unknown>;
}

export class DeactivateDto {
  @ApiPropertyOptional({ example: 'Replaced by the 2027 onboarding' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class StartInstanceDto {
  @ApiPropertyOptional({ description: "The instance's initial data, read by choice conditions and action inputs.", example: { amount: 1200, tier: 'ENTERPRISE' } })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}

export class SimulateDto {
  @ApiPropertyOptional({ description: 'Sample instance data.', example: { documentsChecked: true } })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "A decision per human step id ('approve' or 'reject'); by default tasks complete and approvals approve.", example: { review: 'reject' } })
  @IsOptional()
  @IsObject()
  decisions?: Record<string, 'approve' | 'reject'>;
}

export class DefinitionVersionQueryDto {
  @ApiPropertyOptional({ description: 'A published version (default: the latest).', example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  version?: number;
}

export class CompleteTaskDto {
  @ApiProperty({ description: "The form's data, validated against the step's form (a JSON Schema).", example: { documentsChecked: true } })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiProperty({ description: 'The instance data version you saw (GET /workflow/instances/{id}); a newer one is a 409.', example: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  dataVersion!: number;

  @ApiPropertyOptional({ example: 'Passport and utility bill checked' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class DecideDto {
  @ApiProperty({ description: 'The instance data version you saw; a newer one is a 409.', example: 1 })
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  dataVersion!: number;

  @ApiPropertyOptional({ example: 'Looks right to me' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class DelegateDto {
  @ApiProperty({ description: 'The user id of a colleague with the same role.', example: 'user-bob' })
  @IsString()
  @Length(1, 64)
  to!: string;

  @ApiPropertyOptional({ example: 'On leave this week' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class InboxQueryDto {
  @ApiPropertyOptional({ enum: ['mine', 'role', 'overdue', 'all'], description: "mine: claimed by, assigned to or listed for you; role: open to your role and unclaimed; overdue: past due; all: every open task. Default: mine." })
  @IsOptional()
  @IsIn(['mine', 'role', 'overdue', 'all'])
  filter?: 'mine' | 'role' | 'overdue' | 'all';
}

export class ListInstancesQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) definitionId?: string;
  @ApiPropertyOptional({ enum: ['running', 'failed', 'completed', 'cancelled'] }) @IsOptional() @IsIn(['running', 'failed', 'completed', 'cancelled']) status?: string;
}
