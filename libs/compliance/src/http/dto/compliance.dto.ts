import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsCalendarDate, IsIsoInstant } from '@maple/platform';
import { IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export class CreateRecordDto {
  @ApiProperty({ enum: ['AML', 'KYC', 'OFAC'], example: 'OFAC' })
  @IsString()
  @IsIn(['AML', 'KYC', 'OFAC'])
  type!: string;

  @ApiProperty({
    description: 'Type-specific fields. KYC: subjectName, dateOfBirth, nationality, documentType, documentNumber. AML: counterparty, amount (decimal text), currency, country, channel. OFAC: name, entityType, country?, dateOfBirth?',
    example: { name: 'Brahim Ben Hedili Ben Mohamed Hamami', entityType: 'person', country: 'Tunisia', dateOfBirth: '1971-11-20' },
  })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiPropertyOptional({ example: { source: 'onboarding', customerRef: 'C-1042' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The record this one corrects (terminal records are never edited).' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  correctsRecordId?: string;
}

export class ReviewDto {
  @ApiProperty({ example: 'Source of funds verified against bank statements' })
  @IsString()
  @Length(3, 2000)
  reason!: string;
}

export class ListRecordsQueryDto {
  @ApiPropertyOptional({ enum: ['AML', 'KYC', 'OFAC'] }) @IsOptional() @IsIn(['AML', 'KYC', 'OFAC']) type?: string;
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'rejected', 'flagged'] }) @IsOptional() @IsIn(['pending', 'approved', 'rejected', 'flagged']) status?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) riskMin?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) riskMax?: number;
  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z' }) @IsOptional() @IsIsoInstant() from?: string;
  @ApiPropertyOptional({ example: '2026-12-31T00:00:00Z' }) @IsOptional() @IsIsoInstant() to?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class ScreeningDto {
  @ApiProperty({ example: 'HAMAMI, Brahim Ben Hedili Ben Mohamed' }) @IsString() @Length(2, 300) name!: string;
  @ApiPropertyOptional({ enum: ['person', 'business', 'vessel', 'aircraft'] }) @IsOptional() @IsIn(['person', 'business', 'vessel', 'aircraft']) entityType?: 'person' | 'business' | 'vessel' | 'aircraft';
  @ApiPropertyOptional({ example: '1971-11-20' }) @IsOptional() @IsCalendarDate() dateOfBirth?: string;
  @ApiPropertyOptional({ example: 'Tunisia' }) @IsOptional() @IsString() @MaxLength(60) country?: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.85 }) @IsOptional() @IsNumber() @Min(0) @Max(1) minScore?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 }) @IsOptional() @IsInt() @Min(1) @Max(100) limit?: number;
}
