import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT32, ROLES } from '@maple/platform';
import type { Role } from '@maple/platform';

export class CreateUserDto {
  @ApiProperty({ example: 'carl.compliance@acme.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ example: 'Carl Compliance' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({ enum: ROLES, example: 'COMPLIANCE_OFFICER' })
  @IsIn(ROLES)
  role!: Role;

  @ApiProperty({ description: 'Initial password (at least 12 characters, not a common one).', example: 'amber-harbour-quartz-19' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class CreateCompanyAdminDto {
  @ApiProperty({ example: 'ann.admin@acme.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ example: 'Ann Admin' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiProperty({ example: 'amber-harbour-quartz-19' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES, example: 'VIEWER' })
  @IsIn(ROLES)
  role!: Role;
}

export class UsersPageDto {
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

export const USER_EXAMPLE = {
  id: '7d0e3f52-5c1a-4d7e-8f0b-2a6c9e4b1d30',
  email: 'carl.compliance@acme.example',
  name: 'Carl Compliance',
  role: 'COMPLIANCE_OFFICER',
  isActive: true,
  lastLoginAt: '2026-11-25T09:12:00.000Z',
  companyId: '4f1c2a9e-8d7b-4c61-9a0e-3b5d7f9e1a2c',
  subscriptionId: 'sub_4f1c2a9e-8d7b-4c61-9a0e-3b5d7f9e1a2c',
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T09:00:00.000Z',
  createdBy: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
  updatedBy: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
};
