import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { HrRecords } from '../application/hr-records.commands';
import { HrReads } from '../queries/hr-reads';
import { EmployeeChangeDto, HireEmployeeDto, LeaveDto, ReturnDto, TerminateDto } from './dto/hr.dto';
import { EMPLOYEE_EXAMPLE } from './examples';
import { PURPOSE_HEADER, viewRequest } from './read-context';

const NOT_FOUND = "HR.RECORD_NOT_FOUND (also for another company's id)";

// Employees: hired; position, department, manager and salary changes with effective dates; leave; termination.
@ApiTags('hr')
@Controller('hr/employees')
@RequiresModule('hr')
export class EmployeesController {
  constructor(
    @Inject(HrRecords) private readonly records: HrRecords,
    @Inject(HrReads) private readonly reads: HrReads,
  ) {}

  @Post()
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Hire an employee directly (a new data subject); personal and sensitive fields are encrypted before they are stored' })
  @ApiHeader(PURPOSE_HEADER)
  @ApiCreatedResponse({ schema: { example: EMPLOYEE_EXAMPLE } })
  async hire(@Body() body: HireEmployeeDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const id = await this.records.hireDirect(p.companyId ?? '', body, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/changes')
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Change position, department, manager or salary from an effective date (which may lie ahead)' })
  @ApiHeader(PURPOSE_HEADER)
  @ApiCreatedResponse({ schema: { example: { ...EMPLOYEE_EXAMPLE, scheduledChanges: [{ field: 'salary', effectiveDate: '2027-01-01' }] } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'HR.TRANSITION_NOT_ALLOWED: the employee was terminated' })
  async change(@Param('id') id: string, @Body() body: EmployeeChangeDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.change(p.companyId ?? '', id, body.effectiveDate, body.changes, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/leave')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Start a leave (its reason is sensitive and encrypted)' })
  @ApiOkResponse({ schema: { example: { ...EMPLOYEE_EXAMPLE, status: 'on-leave' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async leave(@Param('id') id: string, @Body() body: LeaveDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.startLeave(p.companyId ?? '', id, body, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/return')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'End the current leave' })
  @ApiOkResponse({ schema: { example: EMPLOYEE_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async back(@Param('id') id: string, @Body() body: ReturnDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.endLeave(p.companyId ?? '', id, body.returnDate, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Terminate the employment (final); retention counts from its effective date' })
  @ApiOkResponse({ schema: { example: { ...EMPLOYEE_EXAMPLE, status: 'terminated' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async terminate(@Param('id') id: string, @Body() body: TerminateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.terminate(p.companyId ?? '', id, body, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }
}
