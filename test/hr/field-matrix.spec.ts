import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KeyRing, PersonalData, PersonalDataRegistry, accessLevel } from '@maple/platform';
import type { Audience, MatrixRole, Relation } from '@maple/platform';
import { HR_EVENT_PRIVACY, HR_FIELDS, HR_FIELD_NAMES, HR_SCHEMAS, MATRIX_AUDIENCES, registerHrPersonalData, sealedName } from '@maple/hr';

const readme = readFileSync(path.resolve(__dirname, '..', '..', 'libs', 'hr', 'README.md'), 'utf8');
const CELL: Record<string, string> = { full: 'full', masked: 'masked', '–': 'hidden' };

// The live rules: what the platform's reader applies once HR has registered.
const registry = new PersonalDataRegistry();
registerHrPersonalData(new PersonalData(registry, new KeyRing([{ id: 'k', key: Buffer.alloc(32) }], 'development')));
const viewerOf = (a: Audience) => (a === 'SELF' || a === 'MANAGER' ? { role: 'USER' as MatrixRole, relations: [a as Relation] } : { role: a as MatrixRole, relations: [] });

describe('the HR field-access matrix', () => {
  it('is the table documented in libs/hr/README.md, field by field and audience by audience', () => {
    const rows = readme.split('\n').filter((l) => /^\| `[A-Za-z]+` \| (public|internal|personal|sensitive) \|/.test(l));
    expect(rows.map((r) => r.split('|')[1].trim().replace(/`/g, ''))).toEqual(HR_FIELD_NAMES);
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      const field = cells[0].replace(/`/g, '') as keyof typeof HR_FIELDS;
      expect({ field, classification: cells[1] }).toEqual({ field, classification: HR_FIELDS[field].classification });
      const documented = cells.slice(2).map((c) => CELL[c]);
      const live = MATRIX_AUDIENCES.map((a) => accessLevel(registry.fieldRule(sealedName(field)), viewerOf(a)));
      expect({ field, levels: documented }).toEqual({ field, levels: live });
    }
  });

  it('classifies every field of every HR schema (a field without a classification fails here)', () => {
    const unclassified = Object.entries(HR_SCHEMAS).flatMap(([schema, fields]) => fields.filter((f) => !(f.name in HR_FIELDS) || !['public', 'internal', 'personal', 'sensitive'].includes(HR_FIELDS[f.name].classification)).map((f) => `${schema}.${f.name}`));
    expect(unclassified).toEqual([]);
  });

  it('seals every personal and sensitive field that an HR event can carry', () => {
    const sealed = new Set(Object.values(HR_EVENT_PRIVACY).flatMap((p) => p.fields.map((f) => f.field)));
    const needed = Object.values(HR_SCHEMAS).flatMap((fields) => fields.filter((f) => ['personal', 'sensitive'].includes(HR_FIELDS[f.name].classification)).map((f) => sealedName(f.name)));
    expect(needed.filter((f) => !sealed.has(f))).toEqual([]);
  });

  it('denies by default: roles outside the table and unknown fields see nothing', () => {
    for (const role of ['COMPLIANCE_OFFICER', 'USER', 'PLATFORM_ADMIN'] as MatrixRole[]) {
      expect(HR_FIELD_NAMES.filter((f) => accessLevel(registry.fieldRule(sealedName(f)), { role, relations: [] }) !== 'hidden')).toEqual([]);
    }
    expect(accessLevel(registry.fieldRule('hr/shoeSize'), { role: 'HR_MANAGER', relations: [] })).toBe('hidden');
  });

  it('gives HR managers and administrators the salary, and an employee their own national id masked', () => {
    expect(accessLevel(registry.fieldRule('hr/salary'), { role: 'HR_MANAGER', relations: [] })).toBe('full');
    expect(accessLevel(registry.fieldRule('hr/salary'), { role: 'ADMIN', relations: [] })).toBe('full');
    expect(accessLevel(registry.fieldRule('hr/nationalId'), { role: 'USER', relations: ['SELF'] })).toBe('masked');
  });
});
