import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsBigintString, IsIsoInstant } from '@maple/platform';

export class VerifyChainDto {
  @ApiPropertyOptional({
    description: "The company's chain; '__platform__' for events without a company. Defaults to your own company (a platform administrator's default is '__platform__').",
    example: 'cmp_01',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  companyId?: string;

  @ApiPropertyOptional({ description: 'First position to check (decimal string).', example: '1' })
  @IsOptional()
  @IsBigintString()
  fromPosition?: string;

  @ApiPropertyOptional({ description: 'Last position to check (decimal string).', example: '5000' })
  @IsOptional()
  @IsBigintString()
  toPosition?: string;
}

export class CreateCheckpointDto {
  @ApiPropertyOptional({ description: "The company's chain; '__platform__' for events without a company. Defaults to your own company (a platform administrator's default is '__platform__').", example: 'cmp_01' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  companyId?: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ description: "The company's chain; '__platform__' for events without a company. Defaults to your own company (a platform administrator's default is '__platform__').", example: 'cmp_01' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  companyId?: string;

  @ApiProperty({
    description: 'Events recorded at or after (ISO 8601).',
    example: '2026-11-01T00:00:00.000Z',
  })
  @IsIsoInstant()
  from!: string;

  @ApiProperty({ description: 'Events recorded before (ISO 8601).', example: '2026-12-01T00:00:00.000Z' })
  @IsIsoInstant()
  to!: string;
}
