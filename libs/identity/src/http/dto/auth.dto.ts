import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'ann.admin@acme.example' })
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'plum-river-lantern-42' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'p5mQ0tJ3x2c8l0sV6m3oTt0p9n1kL4bW2yQ7rZ8aE1c' })
  @IsString()
  @Length(20, 200)
  refreshToken!: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: "Ends this token's session; without it, every session of the user ends.", example: 'p5mQ0tJ3x2c8l0sV6m3oTt0p9n1kL4bW2yQ7rZ8aE1c' })
  @IsOptional()
  @IsString()
  @Length(20, 200)
  refreshToken?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ example: 'plum-river-lantern-42' })
  @IsString()
  @Length(1, 256)
  currentPassword!: string;

  @ApiProperty({ example: 'copper-meadow-violin-77', minLength: 12 })
  @IsString()
  @Length(1, 256)
  newPassword!: string;
}

export const TOKEN_PAIR_EXAMPLE = {
  accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb21wYW55IjoiYWNtZSIsInJvbGUiOiJBRE1JTiJ9.c2lnbmF0dXJl',
  refreshToken: 'p5mQ0tJ3x2c8l0sV6m3oTt0p9n1kL4bW2yQ7rZ8aE1c',
  tokenType: 'Bearer',
  expiresIn: 900,
};
