import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { IsOmittable, MAX_INT32 } from '@maple/platform';
import { COMPANY_SIZES, COMPLIANCE_LEVELS } from '../../domain/company.events';
import type { CompanySize, ComplianceLevel } from '../../domain/company.events';

export class CreateCompanyDto {
  @ApiProperty({ example: 'Acme Bank plc' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'Financial services' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  industry?: string;

  @ApiPropertyOptional({ enum: COMPANY_SIZES, example: 'Enterprise' })
  @IsOptional()
  @IsIn(COMPANY_SIZES)
  size?: CompanySize;

  @ApiPropertyOptional({ example: 'EU' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  region?: string;

  @ApiPropertyOptional({ enum: COMPLIANCE_LEVELS, example: 'Advanced' })
  @IsOptional()
  @IsIn(COMPLIANCE_LEVELS)
  complianceLevel?: ComplianceLevel;
}

export class UpdateCompanyDto {
  // A company always has a name: it may be left out of a change, never set to null.
  @ApiPropertyOptional({ example: 'Acme Bank Group plc' })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'Banking' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  industry?: string;

  @ApiPropertyOptional({ enum: COMPANY_SIZES, example: 'Mid-Market' })
  @IsOptional()
  @IsIn(COMPANY_SIZES)
  size?: CompanySize;

  @ApiPropertyOptional({ example: 'UK' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  region?: string;

  @ApiPropertyOptional({ enum: COMPLIANCE_LEVELS, example: 'Enterprise' })
  @IsOptional()
  @IsIn(COMPLIANCE_LEVELS)
  complianceLevel?: ComplianceLevel;
}

export class DeactivateCompanyDto {
  @ApiPropertyOptional({ example: 'Contract ended' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: MAX_INT32 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  offset?: number;
}
