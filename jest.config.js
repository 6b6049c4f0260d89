// Nest 12 packages (and a few of their dependencies) ship as ESM only. Jest on Node 20 cannot
// require() ESM itself, so SWC turns them into CommonJS along with our TypeScript.
const esmPackages = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
  'load-esm',
];

const swcConfig = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs/events/src', '<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swcConfig] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^nestjs-event-bus$': '<rootDir>/libs/events/src/index.ts',
    '^nestjs-event-bus/testing$': '<rootDir>/libs/events/src/testing/index.ts',
    '^nestjs-event-bus/redis$': '<rootDir>/libs/events/src/redis/index.ts',
    '^nestjs-event-bus/outbox$': '<rootDir>/libs/events/src/outbox/index.ts',
    '^nestjs-event-bus/otel$': '<rootDir>/libs/events/src/otel/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 20000,
  // Starts the shared Redis if it is down; probes PostgreSQL once per run (its tests are skipped when it is down,
  // or the run fails with CI=true).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
