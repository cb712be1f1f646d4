import path from 'node:path';
import { checkSource, checkTree, extractImports, formatViolations, listSourceFiles } from './import-rules';

const root = path.resolve(__dirname, '..', '..');

describe('context boundaries (house rule 1: one public door per context)', () => {
  it('no app or lib imports another lib except through @maple/<context>', () => {
    const files = listSourceFiles(root, ['apps', 'libs']);
    // Guards against a scan that silently finds nothing (moved folders, wrong root).
    expect(files).toContain('libs/platform/src/index.ts');
    expect(files.some((f) => f.includes('/generated/'))).toBe(false);

    const violations = checkTree(root);
    if (violations.length) {
      throw new Error(`${violations.length} boundary violation(s):\n${formatViolations(violations)}`);
    }
  });
});

describe('the import checker', () => {
  it('reports a lib reaching into another lib by relative path, with file and line', () => {
    const source = [
      "import { Injectable } from '@nestjs/common';",
      "import { Database } from '@maple/platform';",
      "import { money } from '../../../platform/src/money/money';",
      "import type { Tx } from '../../../platform/src/database/database';",
    ].join('\n');
    const v = checkSource('libs/billing/src/commands/change-tier.handler.ts', source);
    expect(v.map((x) => [x.file, x.line, x.specifier])).toEqual([
      ['libs/billing/src/commands/change-tier.handler.ts', 3, '../../../platform/src/money/money'],
      ['libs/billing/src/commands/change-tier.handler.ts', 4, '../../../platform/src/database/database'],
    ]);
    expect(v[0].reason).toContain('@maple/platform');
  });

  it('reports deep imports through the alias, including type-only ones and re-exports', () => {
    const source = [
      "import type { Subscription } from '@maple/billing/src/domain/subscription.events';",
      "export { Seat } from '@maple/billing/domain';",
    ].join('\n');
    expect(checkSource('libs/hr/src/index.ts', source).map((x) => x.line)).toEqual([1, 2]);
    expect(checkSource('apps/api/app.module.ts', source)).toHaveLength(2);
  });

  it('reports relative imports that leave the lib, even when they come back in', () => {
    expect(checkSource('libs/billing/src/a.ts', "import x from '../../hr/src/x';")).toHaveLength(1);
    expect(checkSource('libs/billing/src/a.ts', "import x from './domain/../../../hr/src/x';")).toHaveLength(
      1,
    );
    expect(checkSource('libs/billing/src/a.ts', "import x from '../../../apps/api/bootstrap';")).toHaveLength(
      1,
    );
    expect(checkSource('libs/billing/src/a.ts', "import x from 'libs/hr/src/x';")).toHaveLength(1);
  });

  it('reports an app importing lib internals by relative path, and the generated Prisma Client', () => {
    expect(
      checkSource('apps/api/bootstrap.ts', "import { x } from '../../libs/billing/src/billing.module';"),
    ).toHaveLength(1);
    expect(
      checkSource(
        'apps/cli/commands/seed.ts',
        "import { PrismaClient } from '../../../libs/platform/src/database/generated/client';",
      ),
    ).toHaveLength(1);
    expect(
      checkSource(
        'libs/billing/src/x.ts',
        "import { PrismaClient } from '../../platform/src/database/generated/client';",
      ),
    ).toHaveLength(1);
  });

  it('allows the public door, files of the same lib or app, and packages', () => {
    const ok = [
      "import { Database } from '@maple/platform';",
      "import { ChangeTierCommand } from './commands/change-tier.command';",
      "import { BillingError } from '../domain/billing.errors';",
      "import { Module } from '@nestjs/common';",
      "import path from 'node:path';",
    ].join('\n');
    expect(checkSource('libs/billing/src/http/billing.controller.ts', ok)).toEqual([]);
    expect(
      checkSource(
        'libs/platform/src/database/database.ts',
        "import { PrismaClient } from './generated/client';",
      ),
    ).toEqual([]);
    expect(checkSource('apps/cli/commands/migrate.ts', "import type { CliCommand } from '../main';")).toEqual(
      [],
    );
  });

  it('ignores imports written in comments and strings', () => {
    const source = "// import x from '../../hr/src/x';\nconst s = \"import y from '@maple/hr/src/y'\";\n";
    expect(extractImports(source)).toEqual([]);
  });
});
