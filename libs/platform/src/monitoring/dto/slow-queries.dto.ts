import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class SlowQueriesQueryDto {
  @ApiPropertyOptional({ description: 'How many statements to list, slowest in total first.', example: 10, minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class SlowStatementDto {
  @ApiProperty({ description: 'Normalised statement text: constants appear as $1, $2, ...', example: 'SELECT * FROM "User" WHERE "companyId" = $1' })
  query!: string;
  @ApiProperty({ example: 1520 })
  calls!: number;
  @ApiProperty({ description: 'Execution time of all calls, in milliseconds.', example: 912.4 })
  totalMs!: number;
  @ApiProperty({ example: 0.6 })
  meanMs!: number;
  @ApiProperty({ description: 'Rows returned or changed by all calls.', example: 1520 })
  rows!: number;
  @ApiProperty({ description: "Share of this database's total statement time, in percent.", example: 12.5 })
  percentOfTotal!: number;
}

export class SlowQueriesDto {
  @ApiProperty({ description: 'Whether pg_stat_statements is loaded and created in this database.' })
  available!: boolean;
  @ApiPropertyOptional({ description: 'When not available: why, and what the operator can do.', example: "pg_stat_statements is not loaded: shared_preload_libraries is ''; add pg_stat_statements to it and restart PostgreSQL" })
  reason?: string;
  @ApiPropertyOptional({ type: [SlowStatementDto] })
  statements?: SlowStatementDto[];
}
