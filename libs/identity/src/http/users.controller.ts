import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, FieldPolicy, Meta, RequirePermission, crossCompanyScope, tenantScope } from '@maple/platform';
import type { CommandMeta, Principal } from '@maple/platform';
import { CompanyQueries } from '@maple/tenancy';
import { IdentityError } from '../domain/identity.errors';
import { UserCommands } from '../application/user.commands';
import { UserQueries } from '../application/user.queries';
import { ChangeRoleDto, CreateCompanyAdminDto, CreateUserDto, USER_EXAMPLE, UsersPageDto } from './dto/user.dto';

/** Company administrators manage the users of their own company. */
@ApiTags('users')
@Controller()
@FieldPolicy('User')
export class UsersController {
  constructor(
    @Inject(UserCommands) private readonly commands: UserCommands,
    @Inject(UserQueries) private readonly queries: UserQueries,
    @Inject(CompanyQueries) private readonly companies: CompanyQueries,
  ) {}

  @Get('users')
  @RequirePermission('users:read')
  @ApiOperation({ summary: "List the users of the caller's company" })
  @ApiOkResponse({ schema: { example: { items: [USER_EXAMPLE], total: 1 } } })
  list(@Query() q: UsersPageDto, @CurrentPrincipal() who: Principal) {
    return this.queries.list(tenantScope(who), q.limit ?? 50, q.offset ?? 0);
  }

  @Post('users')
  @RequirePermission('users:manage')
  @ApiOperation({ summary: "Create (invite) a user in the caller's company with a role and an initial password" })
  @ApiCreatedResponse({ schema: { example: USER_EXAMPLE } })
  @ApiConflictResponse({ description: 'IDENTITY.EMAIL_ALREADY_EXISTS' })
  async create(@Body() body: CreateUserDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    const { id } = await this.commands.register({ email: body.email, name: body.name ?? null, role: body.role, companyId: who.companyId, password: body.password }, meta);
    return this.queries.get(tenantScope(who), id);
  }

  @Get('users/:id')
  @RequirePermission('users:read')
  @ApiOperation({ summary: "A user of the caller's company" })
  @ApiOkResponse({ schema: { example: USER_EXAMPLE } })
  @ApiNotFoundResponse({ description: "IDENTITY.USER_NOT_FOUND: no such user, or not in the caller's company" })
  get(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    return this.queries.get(tenantScope(who), id);
  }

  @Patch('users/:id/role')
  @RequirePermission('users:manage')
  @ApiOperation({ summary: "Change a user's role (not one's own)" })
  @ApiOkResponse({ schema: { example: { ...USER_EXAMPLE, role: 'VIEWER' } } })
  @ApiNotFoundResponse({ description: 'IDENTITY.USER_NOT_FOUND' })
  async changeRole(@Param('id') id: string, @Body() body: ChangeRoleDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.changeRole(id, body.role, meta);
    return this.queries.get(tenantScope(who), id);
  }

  @Post('users/:id/deactivate')
  @HttpCode(200)
  @RequirePermission('users:manage')
  @ApiOperation({ summary: 'Deactivate a user: no more sign-ins or token refreshes' })
  @ApiOkResponse({ schema: { example: { ...USER_EXAMPLE, isActive: false } } })
  @ApiNotFoundResponse({ description: 'IDENTITY.USER_NOT_FOUND' })
  async deactivate(@Param('id') id: string, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.deactivate(id, meta);
    return this.queries.get(tenantScope(who), id);
  }

  @Post('users/:id/reactivate')
  @HttpCode(200)
  @RequirePermission('users:manage')
  @ApiOperation({ summary: 'Reactivate a deactivated user' })
  @ApiOkResponse({ schema: { example: USER_EXAMPLE } })
  @ApiNotFoundResponse({ description: 'IDENTITY.USER_NOT_FOUND' })
  async reactivate(@Param('id') id: string, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.reactivate(id, meta);
    return this.queries.get(tenantScope(who), id);
  }

  @Post('companies/:id/admins')
  @RequirePermission('users:provision')
  @ApiOperation({ summary: "Create a company's administrator (platform administrators; how a new company gets its first user)" })
  @ApiCreatedResponse({ schema: { example: { ...USER_EXAMPLE, role: 'ADMIN' } } })
  @ApiNotFoundResponse({ description: 'IDENTITY.COMPANY_NOT_FOUND' })
  async createCompanyAdmin(@Param('id') companyId: string, @Body() body: CreateCompanyAdminDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    const scope = crossCompanyScope(who);
    await this.companies.get(scope, companyId);
    if (!(await this.companies.isActive(companyId))) throw new IdentityError('IDENTITY.TRANSITION_NOT_ALLOWED', 'The company is deactivated.');
    const { id } = await this.commands.register({ email: body.email, name: body.name ?? null, role: 'ADMIN', companyId, password: body.password }, meta);
    return this.queries.get(scope, id);
  }
}
