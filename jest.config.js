// jest 30 cannot load NestJS 12's ES modules on Node 20, so swc compiles everything
// (our TypeScript and the ESM-only packages below) to CommonJS.
const esmOnly = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  'load-esm',
  'zod',
  '@electric-sql',
  'pglite-prisma-adapter',
  '@prisma/schema-engine-wasm',
  'content-disposition',
  'cookie',
  '@borewit',
  '@sindresorhus',
  'is-plain-obj',
];

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^@maple/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 60000,
  // PGlite's WASM runtime keeps handles alive after close; don't let a finished run hang CI.
  forceExit: true,
  maxWorkers: 2,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
