// Lint config: syntax-level rules only (no type-aware linting, so `eslint .` stays fast);
// `npm run typecheck` covers types. The import rules below enforce house rule 1: other code
// reaches a context only through `@maple/<context>` (libs/<context>/src/index.ts).
// test/architecture/boundaries.spec.ts checks the same boundaries with resolved paths.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Deep enough for any folder layout inside a lib; deeper files still get the shared rules.
const MAX_DEPTH = 12;

const deepAlias = {
  regex: '^@maple/[^/]+/',
  message: 'Import a context only through its public door: `@maple/<context>` (libs/<context>/src/index.ts).',
};
const relativeIntoLibs = {
  regex: '^\\.{1,2}/(.*/)?libs(/|$)',
  message: 'Do not reach into a lib by relative path; import `@maple/<context>` instead.',
};
const generatedPrisma = {
  regex: '(^|/)database/generated(/|$)',
  message:
    'The generated Prisma Client belongs to libs/platform; import PrismaClient/Prisma from `@maple/platform`.',
};

/** A relative import with more `../` than the file is deep inside its lib's src/ leaves that lib. */
function escapesLib(depth) {
  return {
    regex: `^(\\./)?(\\.\\./){${depth + 1},}`,
    message: "This relative import leaves its lib's src/; import another context through `@maple/<context>`.",
  };
}

function restrict(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

// One block per nesting depth of libs/*/src, since no-restricted-imports only sees the import
// string. Later blocks replace (not merge) the rule's options, so each block lists every pattern.
const libDepthBlocks = [
  { files: ['libs/**/*.ts'], rules: restrict(deepAlias, relativeIntoLibs, generatedPrisma) },
  { files: ['libs/platform/**/*.ts'], rules: restrict(deepAlias, relativeIntoLibs) },
];
for (let depth = 0; depth <= MAX_DEPTH; depth++) {
  const files = [`libs/*/src/${'*/'.repeat(depth)}*.ts`];
  libDepthBlocks.push({
    files,
    rules: restrict(deepAlias, relativeIntoLibs, generatedPrisma, escapesLib(depth)),
  });
  libDepthBlocks.push({
    // The platform lib owns the generated client, so only the generated-import pattern is lifted.
    files: [`libs/platform/src/${'*/'.repeat(depth)}*.ts`],
    rules: restrict(deepAlias, relativeIntoLibs, escapesLib(depth)),
  });
}

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'].map(
    (g) => [g, 'readonly'],
  ),
);
const commonJsGlobals = {
  module: 'writable',
  require: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
};

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'libs/platform/src/database/generated/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `@typescript-eslint/consistent-type-imports` stays off on purpose: its autofix turns a
      // class used only as a constructor parameter type into `import type`, which erases it at
      // runtime, so emitDecoratorMetadata emits `Object` and Nest's DI cannot resolve the provider.
      // Use `import type` by hand for pure types (house rule 8).
    },
  },
  // Boundaries. Apps and tests: no deep alias imports, no relative path into libs/, no generated client.
  {
    files: ['apps/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'prisma/**/*.ts'],
    rules: restrict(deepAlias, relativeIntoLibs, generatedPrisma),
  },
  {
    // jest's globalSetup runs outside the moduleNameMapper, so `@maple/*` does not resolve there;
    // it uses the platform's migration helpers by path (test set-up only, not product code).
    files: ['test/support/global-setup.ts'],
    rules: restrict(deepAlias, generatedPrisma),
  },
  {
    // Eight of these processes must start within moments of each other to race for a lock; the
    // lock module alone loads in a fraction of the time the whole platform door takes.
    files: ['test/fixtures/lock-contender.ts'],
    rules: restrict(deepAlias, generatedPrisma),
  },
  ...libDepthBlocks,
  // Plain JS config and build scripts: recommended rules with Node globals.
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...commonJsGlobals } },
  },
  // Last: turn off every stylistic rule Prettier owns.
  prettier,
);
