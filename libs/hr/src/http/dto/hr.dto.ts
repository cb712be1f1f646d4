import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsCalendarDate } from '@maple/platform';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

// `data` is validated field by field by the record type's schema (libs/hr/README.md): an unknown
// field, a missing one or a malformed one is 400 HR.DATA_INVALID naming it.

export class CreateCandidateDto {
  @ApiProperty({
    description: 'Candidate fields: fullName, email, phone?, appliedFor, source?, resumeSummary?, expectedSalary? (decimal text). Personal and sensitive ones are encrypted before they are stored.',
    example: { fullName: 'Ada Lovelace', email: 'ada@example.test', appliedFor: 'Analyst', source: 'referral', expectedSalary: '72000.00' },
  })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The candidate consented to being kept until this date (else 2 years after the last activity).', example: '2028-12-31' })
  @IsOptional()
  @IsCalendarDate()
  consentUntil?: string;
}

export class AdvanceCandidateDto {
  @ApiProperty({ enum: ['screening', 'interview', 'offer'], example: 'screening' })
  @IsIn(['screening', 'interview', 'offer'])
  to!: 'screening' | 'interview' | 'offer';

  @ApiPropertyOptional({ description: 'Interview notes (personal, encrypted).', example: 'Strong on statistics.' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  notes?: string;
}

export class CloseCandidateDto {
  @ApiPropertyOptional({ description: 'Why (personal, encrypted).', example: 'Position filled.' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class ConsentDto {
  @ApiProperty({ example: '2028-12-31' })
  @IsCalendarDate()
  until!: string;
}

export class HireCandidateDto {
  @ApiProperty({
    description: 'Employment fields (position, department, employmentType, salary, currency, startDate, and optionally address, dateOfBirth, nationalId, bankAccount). Name, e-mail and phone come from the candidate record.',
    example: { position: 'Analyst', department: 'Risk', employmentType: 'full-time', salary: '70000.00', currency: 'EUR', startDate: '2027-01-04' },
  })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiPropertyOptional({ description: "The employee's Maple user account (their own record is then theirs to read).", example: 'usr_42' })
  @IsOptional()
  @Matches(ID)
  userId?: string;

  @ApiPropertyOptional({ description: "The manager's employee record.", example: 'c0a8012e-7a1f-4b4e-9d3a-6f3b2a1c9e77' })
  @IsOptional()
  @Matches(ID)
  managerRecordId?: string;
}

export class HireEmployeeDto extends HireCandidateDto {
  @ApiProperty({
    description: 'Employee fields: fullName, email, phone?, address?, dateOfBirth?, nationalId?, bankAccount?, position, department, employmentType, salary (decimal text), currency, startDate.',
    example: { fullName: 'Grace Hopper', email: 'grace@example.test', nationalId: '756.1234.5678.97', position: 'Engineer', department: 'Platform', employmentType: 'full-time', salary: '91000.00', currency: 'EUR', startDate: '2026-01-05' },
  })
  @IsObject()
  declare data: Record<string, unknown>;
}

export class EmployeeChangeDto {
  @ApiProperty({ description: 'From when the change applies (may lie ahead).', example: '2027-01-01' })
  @IsCalendarDate()
  effectiveDate!: string;

  @ApiProperty({ description: 'Any of position, department, managerRecordId, salary.', example: { salary: '95000.00' } })
  @IsObject()
  changes!: Record<string, unknown>;
}

export class LeaveDto {
  @ApiProperty({ example: '2027-03-01' }) @IsCalendarDate() startDate!: string;
  @ApiPropertyOptional({ example: '2027-03-14' }) @IsOptional() @IsCalendarDate() endDate?: string;
  @ApiProperty({ enum: ['vacation', 'sick', 'parental', 'unpaid', 'other'], example: 'sick' }) @IsIn(['vacation', 'sick', 'parental', 'unpaid', 'other']) leaveType!: string;
  @ApiPropertyOptional({ description: 'Health or other reason (sensitive, encrypted).', example: 'Surgery' }) @IsOptional() @IsString() @Length(1, 2000) leaveReason?: string;
}

export class ReturnDto {
  @ApiProperty({ example: '2027-03-15' }) @IsCalendarDate() returnDate!: string;
}

export class TerminateDto {
  @ApiProperty({ example: '2027-06-30' }) @IsCalendarDate() effectiveDate!: string;
  @ApiProperty({ enum: ['resignation', 'dismissal', 'end-of-contract', 'retirement', 'other'], example: 'resignation' })
  @IsIn(['resignation', 'dismissal', 'end-of-contract', 'retirement', 'other'])
  terminationType!: string;
  @ApiPropertyOptional({ description: 'Personal, encrypted.', example: 'Moving abroad' }) @IsOptional() @IsString() @Length(1, 2000) terminationReason?: string;
}

export class DraftReviewDto {
  @ApiProperty({ description: 'The reviewed employee record.', example: 'c0a8012e-7a1f-4b4e-9d3a-6f3b2a1c9e77' }) @Matches(ID) employeeRecordId!: string;
  @ApiProperty({ description: 'period, reviewSummary, reviewGoals?', example: { period: '2026-H2', reviewSummary: 'Delivered the risk dashboard early.', reviewGoals: 'Lead the Q1 migration.' } })
  @IsObject()
  data!: Record<string, unknown>;
}

export class SubmitReviewDto {
  @ApiProperty({ minimum: 1, maximum: 5, example: 4 }) @IsInt() @Min(1) @Max(5) rating!: number;
}

export class AiInsightsDto {
  @ApiProperty({ description: 'The model and version that produced the insights.', example: 'attrition-risk@2.3.1' }) @IsString() @Matches(/^[A-Za-z0-9._@:/+-]{1,100}$/) modelVersion!: string;
  @ApiProperty({ description: 'What the model read into the record (encrypted with the person\'s key, erased with it).', example: { attritionRisk: 0.18, drivers: ['tenure'] } }) @IsObject() insights!: Record<string, unknown>;
}

export class ReadQueryDto {
  @ApiPropertyOptional({ description: 'Why you read personal data (or the X-Purpose header).', example: 'payroll review' }) @IsOptional() @IsString() @Length(1, 300) purpose?: string;
  @ApiPropertyOptional({ description: 'Employee changes in effect on this date (default today).', example: '2027-01-01' }) @IsOptional() @IsCalendarDate() asOf?: string;
}

export class ListQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ enum: ['candidate', 'employee', 'performance'] }) @IsOptional() @IsIn(['candidate', 'employee', 'performance']) type?: string;
  @ApiPropertyOptional({ example: 'active' }) @IsOptional() @IsString() @MaxLength(40) status?: string;
  @ApiPropertyOptional({ description: 'One person: every record of this data subject.' }) @IsOptional() @Matches(ID) subjectId?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class LookupQueryDto extends ReadQueryDto {
  @ApiProperty({ enum: ['email', 'nationalId'] }) @IsIn(['email', 'nationalId']) field!: 'email' | 'nationalId';
  @ApiProperty({ example: 'ada@example.test' }) @IsString() @Length(1, 254) value!: string;
}

export class ErasureRequestDto {
  @ApiPropertyOptional({ description: 'Why (personal, encrypted, erased with the rest).', example: 'Request of the data subject under GDPR art. 17' }) @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class LegalHoldDto {
  @ApiProperty({ description: 'The matter (a case reference, not personal data).', example: 'LIT-2026-014' }) @IsString() @Length(1, 200) matter!: string;
}

export class RetentionPolicyDto {
  @ApiProperty({ minimum: 1, maximum: 50, example: 3 }) @IsInt() @Min(1) @Max(50) candidateYears!: number;
  @ApiProperty({ minimum: 1, maximum: 50, example: 10 }) @IsInt() @Min(1) @Max(50) employeeYears!: number;
}
