import { lastValueFrom, of } from 'rxjs';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FieldPolicy, FieldPolicyInterceptor, applyFieldPolicy } from '@maple/platform';
import type { Principal, Role } from '@maple/platform';

// A compliance record as its routes return it (the policy is central, so it is tested here on
// the response shape). HR records follow the HR field matrix: test/hr/field-matrix.spec.ts.
const complianceRecord = { id: 'cr_1', type: 'KYC', status: 'flagged', riskScore: 87, data: { name: 'Ivan Petrov', match: 'SDN-1234' }, metadata: { source: 'ofac' }, companyId: 'acme', createdBy: 'u1', reviewedBy: null, createdAt: '2026-11-25T09:00:00.000Z' };
const who = (role: Role, companyId: string | null = 'acme') => ({ role, companyId });

describe('column-level security: the central field policy', () => {
  it('never shows a VIEWER the risk score, data or metadata of a compliance record', () => {
    const out = applyFieldPolicy('ComplianceRecord', who('VIEWER'), complianceRecord) as Record<string, unknown>;
    expect(out).not.toHaveProperty('riskScore');
    expect(out).not.toHaveProperty('data');
    expect(out).not.toHaveProperty('metadata');
    expect(out).toMatchObject({ id: 'cr_1', type: 'KYC', status: 'flagged' });
  });

  it('shows them to a compliance officer', () => {
    expect(applyFieldPolicy('ComplianceRecord', who('COMPLIANCE_OFFICER'), complianceRecord)).toEqual(complianceRecord);
  });

  it('filters lists and pages the same way', () => {
    const page = applyFieldPolicy('ComplianceRecord', who('VIEWER'), { items: [complianceRecord, complianceRecord], nextCursor: 'abc' }) as { items: Record<string, unknown>[]; nextCursor: string };
    expect(page.nextCursor).toBe('abc');
    expect(page.items.every((i) => !('riskScore' in i) && !('data' in i))).toBe(true);
    const list = applyFieldPolicy('ComplianceRecord', who('VIEWER'), [complianceRecord]) as Record<string, unknown>[];
    expect(list[0]).not.toHaveProperty('riskScore');
  });

  it('never lets a password column out, whoever asks', () => {
    expect(applyFieldPolicy('User', who('ADMIN', null), { id: 'u', password: '$argon2id$...' })).toEqual({ id: 'u' });
  });

  it('is applied to responses by the interceptor on @FieldPolicy routes', async () => {
    class Controller {
      @FieldPolicy('ComplianceRecord')
      get() {
        return complianceRecord;
      }
    }
    const principal: Principal = { userId: 'v', companyId: 'acme', role: 'VIEWER', jti: 'j' };
    const context = {
      getHandler: () => Controller.prototype.get,
      getClass: () => Controller,
      switchToHttp: () => ({ getRequest: () => ({ user: principal }) }),
    } as unknown as ExecutionContext;
    const out = await lastValueFrom(new FieldPolicyInterceptor(new Reflector()).intercept(context, { handle: () => of(complianceRecord) }));
    expect(out).not.toHaveProperty('riskScore');
    expect(out).not.toHaveProperty('data');
  });
});
