import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

// Prices travel as decimal strings ("19.99"): JSON numbers would invite floats.
const PRICE = /^(0|[1-9]\d{0,7})(\.\d{1,2})?$/;
const PRICE_MESSAGE = 'price must be a decimal string with at most two decimals, like "19.99"';

export class StartSubscriptionDto {
  @ApiProperty({ enum: ['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'], example: 'TRIAL' })
  @IsIn(['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'])
  tier!: 'TRIAL' | 'STARTER' | 'PROFESSIONAL' | 'ENTERPRISE';
  @ApiProperty({ enum: ['monthly', 'annual'], example: 'monthly' })
  @IsIn(['monthly', 'annual'])
  billingCycle!: 'monthly' | 'annual';
  @ApiProperty({ example: '19.99' }) @IsString() @Matches(PRICE, { message: PRICE_MESSAGE }) price!: string;
  @ApiPropertyOptional({
    description: 'Overrides of the tier defaults',
    example: { seats: 25, modules: { ai: true } },
  })
  @IsOptional()
  @IsObject()
  features?: Record<string, unknown>;
}

export class ChangeTierDto {
  @ApiProperty({ enum: ['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'], example: 'PROFESSIONAL' })
  @IsIn(['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'])
  tier!: 'TRIAL' | 'STARTER' | 'PROFESSIONAL' | 'ENTERPRISE';
  @ApiProperty({ example: '99.00' }) @IsString() @Matches(PRICE, { message: PRICE_MESSAGE }) price!: string;
}

export class ChangeBillingCycleDto {
  @ApiProperty({ enum: ['monthly', 'annual'], example: 'annual' })
  @IsIn(['monthly', 'annual'])
  billingCycle!: 'monthly' | 'annual';
  @ApiProperty({ example: '199.00' }) @IsString() @Matches(PRICE, { message: PRICE_MESSAGE }) price!: string;
}

export class FeaturesDto {
  @ApiProperty({
    example: { seats: 2500, apiRequestsPerMinute: 20000, modules: { ai: true }, retentionSettings: true },
  })
  @IsObject()
  features!: Record<string, unknown>;
}

export class ReasonDto {
  @ApiProperty({ example: 'Invoice 2026-11 unpaid' }) @IsString() @Length(3, 500) reason!: string;
}
