/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script */
// Lets a plain `node` child process run this repository's TypeScript sources (SWC, no type check), with the
// `nestjs-event-bus` import mapped to the library's sources as in Jest. Test fixtures only.
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const swc = require('@swc/core');

const root = join(__dirname, '..', '..');
const lib = join(root, 'libs', 'events', 'src');
// Every entry point of the package, as the Jest mapper and tsconfig paths have them.
const aliases = {
  'nestjs-event-bus': join(lib, 'index.ts'),
  'nestjs-event-bus/testing': join(lib, 'testing', 'index.ts'),
  'nestjs-event-bus/redis': join(lib, 'redis', 'index.ts'),
  'nestjs-event-bus/outbox': join(lib, 'outbox', 'index.ts'),
  'nestjs-event-bus/otel': join(lib, 'otel', 'index.ts'),
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases[request] ?? request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
