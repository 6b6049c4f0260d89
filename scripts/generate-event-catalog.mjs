// Writes docs/event-catalog.md from the example app's and the plugin's event definitions.
// Run through `npm run docs:events`, which compiles the app first (the catalog code lives in
// src/events/event-catalog.renderer.ts and is checked by src/events/event-catalog.renderer.spec.ts).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { collectEventCatalog, renderEventCatalog } = require(
  join(root, 'dist/events/event-catalog.renderer.js'),
);

const entries = collectEventCatalog(root);
const target = join(root, 'docs/event-catalog.md');
writeFileSync(target, renderEventCatalog(entries));
console.log(`Wrote docs/event-catalog.md: ${entries.length} event types.`);
