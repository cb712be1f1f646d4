import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsIsoInstant, MAX_INT32 } from '@maple/platform';

// Company users read their own company (the field may only repeat it); the platform
// administrator names a company, or omits it to read across companies.
export class CompanyScopedDto {
  @ApiPropertyOptional({
    description: "Company to read (platform administrator); defaults to the caller's company.",
    example: 'cmp_01',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyId?: string;
}

export class HistoryQueryDto extends CompanyScopedDto {
  @ApiPropertyOptional({
    description: "Version after which the page starts (the previous page's nextCursor).",
    example: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  cursor?: number;

  @ApiPropertyOptional({ example: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class StateQueryDto extends CompanyScopedDto {
  @ApiPropertyOptional({
    description: 'State as of this instant (ISO 8601).',
    example: '2026-11-25T09:00:00.000Z',
  })
  @IsOptional()
  @IsIsoInstant()
  at?: string;

  @ApiPropertyOptional({ description: 'State after this version.', example: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  version?: number;
}

export class LogsQueryDto extends CompanyScopedDto {
  @ApiPropertyOptional({ example: 'ComplianceRecord' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  entityType?: string;

  @ApiPropertyOptional({ example: 'cr_123' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  entityId?: string;

  @ApiPropertyOptional({ example: 'usr_42' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  userId?: string;

  @ApiPropertyOptional({ enum: ['CREATE', 'UPDATE', 'DELETE', 'VIEW'] })
  @IsOptional()
  @IsIn(['CREATE', 'UPDATE', 'DELETE', 'VIEW'])
  action?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00.000Z' })
  @IsOptional()
  @IsIsoInstant()
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00.000Z' })
  @IsOptional()
  @IsIsoInstant()
  to?: string;

  @ApiPropertyOptional({ description: "The previous page's nextCursor." })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;

  @ApiPropertyOptional({ example: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
