/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script that loads TypeScript through ts-register */
// Writes the AsyncAPI documents of the example app's two services (docs/asyncapi.example-*.json).
// Run through `npm run docs:asyncapi`; test/example/asyncapi.e2e-spec.ts checks they are up to date and valid.
require('../test/support/ts-register.cjs');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const {
  ASYNCAPI_SERVICES,
  asyncApiText,
  exampleAsyncApi,
} = require('../test/example/support/example-asyncapi.ts');

(async () => {
  for (const role of Object.keys(ASYNCAPI_SERVICES)) {
    const document = await exampleAsyncApi(role);
    writeFileSync(join(__dirname, '..', ASYNCAPI_SERVICES[role].file), asyncApiText(document));
    console.log(
      `Wrote ${ASYNCAPI_SERVICES[role].file}: ${Object.keys(document.operations).length} operations.`,
    );
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
