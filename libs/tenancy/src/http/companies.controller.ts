import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Meta, RequirePermission, crossCompanyScope, isPlatformAdmin, tenantScope } from '@maple/platform';
import type { CommandMeta, Principal } from '@maple/platform';
import { CompanyCommands } from '../application/company.commands';
import { CompanyQueries } from '../application/company.queries';
import { CreateCompanyDto, DeactivateCompanyDto, PageQueryDto, UpdateCompanyDto } from './dto/company.dto';

const COMPANY_EXAMPLE = { id: '4f1c2a9e-8d7b-4c61-9a0e-3b5d7f9e1a2c', name: 'Acme Bank plc', industry: 'Financial services', size: 'Enterprise', region: 'EU', complianceLevel: 'Advanced', isActive: true, createdAt: '2026-11-25T09:00:00.000Z', updatedAt: '2026-11-25T09:00:00.000Z' };

function profileOf(b: CreateCompanyDto) {
  return { name: b.name, industry: b.industry ?? null, size: b.size ?? null, region: b.region ?? null, complianceLevel: b.complianceLevel ?? null };
}

/** Companies: platform administrators manage them; members read their own. */
@ApiTags('companies')
@Controller('companies')
export class CompaniesController {
  constructor(
    @Inject(CompanyCommands) private readonly commands: CompanyCommands,
    @Inject(CompanyQueries) private readonly queries: CompanyQueries,
  ) {}

  @Post()
  @RequirePermission('companies:manage')
  @ApiOperation({ summary: 'Create a company (platform administrators)' })
  @ApiCreatedResponse({ schema: { example: COMPANY_EXAMPLE } })
  async create(@Body() body: CreateCompanyDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    const { id } = await this.commands.create(profileOf(body), meta);
    return this.queries.get(crossCompanyScope(who), id);
  }

  @Get()
  @RequirePermission('companies:manage')
  @ApiOperation({ summary: 'List all companies (platform administrators; the access is recorded)' })
  @ApiOkResponse({ schema: { example: { items: [COMPANY_EXAMPLE], total: 1 } } })
  async list(@Query() q: PageQueryDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    const page = await this.queries.list(crossCompanyScope(who), q.limit ?? 50, q.offset ?? 0);
    await this.commands.recordCrossCompanyAccess(who, 'GET /companies', null, meta);
    return page;
  }

  @Get(':id')
  @RequirePermission('companies:read')
  @ApiOperation({ summary: "A company: members read their own; platform administrators any (recorded)" })
  @ApiOkResponse({ schema: { example: COMPANY_EXAMPLE } })
  @ApiNotFoundResponse({ description: "TENANCY.COMPANY_NOT_FOUND: no such company, or not the caller's" })
  async get(@Param('id') id: string, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    if (!isPlatformAdmin(who)) return this.queries.get(tenantScope(who), id);
    // A made-up id is a 404 and records nothing.
    const company = await this.queries.get(crossCompanyScope(who), id);
    await this.commands.recordCrossCompanyAccess(who, 'GET /companies/:id', id, meta);
    return company;
  }

  @Patch(':id')
  @RequirePermission('companies:manage')
  @ApiOperation({ summary: "Update a company's profile (platform administrators)" })
  @ApiOkResponse({ schema: { example: { ...COMPANY_EXAMPLE, region: 'UK' } } })
  @ApiNotFoundResponse({ description: 'TENANCY.COMPANY_NOT_FOUND' })
  async update(@Param('id') id: string, @Body() body: UpdateCompanyDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.update(id, { ...body }, meta);
    return this.queries.get(crossCompanyScope(who), id);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @RequirePermission('companies:manage')
  @ApiOperation({ summary: "Deactivate a company: its users can no longer sign in or refresh tokens" })
  @ApiOkResponse({ schema: { example: { ...COMPANY_EXAMPLE, isActive: false } } })
  @ApiNotFoundResponse({ description: 'TENANCY.COMPANY_NOT_FOUND' })
  async deactivate(@Param('id') id: string, @Body() body: DeactivateCompanyDto, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.deactivate(id, body.reason ?? null, meta);
    return this.queries.get(crossCompanyScope(who), id);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @RequirePermission('companies:manage')
  @ApiOperation({ summary: 'Reactivate a deactivated company' })
  @ApiOkResponse({ schema: { example: COMPANY_EXAMPLE } })
  @ApiNotFoundResponse({ description: 'TENANCY.COMPANY_NOT_FOUND' })
  async reactivate(@Param('id') id: string, @CurrentPrincipal() who: Principal, @Meta() meta: CommandMeta) {
    await this.commands.reactivate(id, meta);
    return this.queries.get(crossCompanyScope(who), id);
  }
}
