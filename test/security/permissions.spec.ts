import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PERMISSIONS, ROLE_PERMISSIONS, hasPermissions, platformOnly } from '@maple/platform';
import type { MatrixRole } from '@maple/platform';

const readme = readFileSync(path.resolve(__dirname, '..', '..', 'libs', 'identity', 'README.md'), 'utf8');
const roles = Object.keys(ROLE_PERMISSIONS) as MatrixRole[];

describe('the role -> permission matrix', () => {
  it('is the table documented in libs/identity/README.md', () => {
    for (const p of PERMISSIONS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${p}\` `));
      expect(row).toBeDefined();
      const cells = (row as string).split('|').slice(2, 2 + roles.length).map((c) => c.trim() === '✓');
      expect(cells).toEqual(roles.map((r) => ROLE_PERMISSIONS[r].includes(p)));
    }
  });

  it('gives a VIEWER no write permission beyond their own session', () => {
    const writes = ROLE_PERMISSIONS.VIEWER.filter((p) => !/:(read)$/.test(p));
    expect(writes).toEqual(['self:manage']);
  });

  it('keeps company management for platform administrators only', () => {
    expect(platformOnly('companies:manage')).toBe(true);
    expect(platformOnly('users:provision')).toBe(true);
    expect(hasPermissions({ role: 'ADMIN', companyId: 'acme' }, ['companies:manage'])).toBe(false);
    expect(hasPermissions({ role: 'ADMIN', companyId: null }, ['companies:manage'])).toBe(true);
  });

  it('lets auditors (ADMIN and COMPLIANCE_OFFICER) read and verify the audit log', () => {
    for (const r of ['ADMIN', 'COMPLIANCE_OFFICER', 'PLATFORM_ADMIN'] as MatrixRole[]) expect(ROLE_PERMISSIONS[r]).toEqual(expect.arrayContaining(['audit:read', 'audit:verify']));
    for (const r of ['USER', 'VIEWER', 'ANALYST', 'HR_MANAGER'] as MatrixRole[]) expect(ROLE_PERMISSIONS[r]).not.toContain('audit:read');
  });
});
