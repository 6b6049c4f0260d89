import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * The folders of the plugin form layers, and imports only point down (design.md 9.1):
 * - the ground floor (`event/`, `errors/`, `common/`) imports only itself; `context/` adds only the ground floor;
 * - `bus/` imports none of the features;
 * - no feature imports `module/`, the one place that knows every feature;
 * - from `audit/`, `metrics/` imports only the audit's telemetry port (which it implements);
 * - `redis/` (the entry point `nestjs-event-bus/redis`) imports from `bus/` only the ports, their types and the
 *   pattern matcher, from `trace/` only the trace store's port (which `RedisTraceStore` implements), and nothing
 *   outside `redis/` imports it (so the root entry never loads ioredis);
 * - `otel/` (the entry point `nestjs-event-bus/otel`) imports from `bus/` only the ports and their types, and
 *   nothing outside `otel/` imports it (so the root entry never loads `@opentelemetry/api`);
 * - the outbox's stores and adapters (`outbox/stores/`, `outbox/adapters/`, and the entry point
 *   `nestjs-event-bus/outbox` that exports them) are imported only inside `outbox/`, so the root entry never
 *   reaches `pg`, `better-sqlite3` or `@nestjs-cls/transactional`.
 */
const GROUND = ['event', 'errors', 'common'];
const LOWER: Readonly<Record<string, readonly string[]>> = {
  event: GROUND,
  errors: GROUND,
  common: GROUND,
  context: [...GROUND, 'context'],
};
const FEATURES = [
  'module',
  'audit',
  'metrics',
  'bridges',
  'event-log',
  'health',
  'correlation',
  'listeners',
  'transport',
  'outbox',
  'telemetry',
  'testing',
  'redis',
  'otel',
  'trace',
  'asyncapi',
];

const SRC = __dirname;

/** Every non-spec `.ts` file under `src/`, relative to it, with `/` separators. */
function sourceFiles(dir = SRC): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      files.push(relative(SRC, path).split(sep).join('/'));
    }
  }
  return files;
}

/** The files `file` imports from inside `src/` (relative specifiers, type-only imports included). */
function internalImports(file: string): { specifier: string; target: string }[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return preProcessFile(text, true, true)
    .importedFiles.map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, target: resolveImport(posix.join(posix.dirname(file), specifier)) }));
}

/** The file an import without extension names: `<path>.ts`, or `<path>/index.ts` for a folder. */
function resolveImport(path: string): string {
  return existsSync(join(SRC, `${path}.ts`)) ? `${path}.ts` : `${path}/index.ts`;
}

/** The top-level folder of a path relative to `src/`; `.` for the files at the root (index.ts). */
function folderOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : '.';
}

/** The one file of `audit/` that `metrics/` may import. */
const AUDIT_PORT = 'audit/audit.telemetry.ts';

/** What `redis/` may import from `bus/`: the ports, the types they use and the pure pattern matcher. */
const REDIS_FROM_BUS = /^bus\/(ports\/.*|bus\.interfaces\.ts|pattern-matcher\.ts)$/;

/** What `otel/` may import from `bus/`: the ports and the types they use. */
const OTEL_FROM_BUS = /^bus\/(ports\/.*|bus\.interfaces\.ts)$/;
/** The one file of `trace/` that `redis/` may import. */
const TRACE_PORT = 'trace/trace-store.port.ts';

/** The files of `outbox/` that name database drivers or `@nestjs-cls/transactional`. */
const OUTBOX_DRIVERS = /^outbox\/(stores\/.*|adapters\/.*|index\.ts)$/;

/** Why `file` may not import `target` (both relative to `src/`), or undefined when it may. */
function brokenRule(file: string, target: string): string | undefined {
  const from = folderOf(file);
  const to = folderOf(target);
  const allowed = LOWER[from];
  if (allowed && !allowed.includes(to)) return `${from}/ may import only ${allowed.join('/, ')}/`;
  if (from === 'bus' && FEATURES.includes(to)) return 'bus/ imports no feature';
  if (to === 'module' && from !== 'module' && from !== '.') return 'no feature imports module/';
  if (from === 'metrics' && to === 'audit' && target !== AUDIT_PORT)
    return `metrics/ imports only ${AUDIT_PORT}`;
  if (to === 'redis' && from !== 'redis') return 'only redis/ imports redis/ (it loads ioredis)';
  if (from === 'redis' && to === 'bus' && !REDIS_FROM_BUS.test(target)) {
    return 'redis/ imports from bus/ only the ports, bus.interfaces and pattern-matcher';
  }
  if (from === 'redis' && to === 'trace' && target === TRACE_PORT) return undefined;
  if (from === 'redis' && !['redis', 'bus', ...GROUND].includes(to)) {
    return `redis/ imports only bus/ports, ${GROUND.join('/, ')}/`;
  }
  if (from !== 'outbox' && OUTBOX_DRIVERS.test(target)) {
    return 'only outbox/ imports its stores, adapters and entry point (they name pg, better-sqlite3, @nestjs-cls/transactional)';
  }
  if (to === 'otel' && from !== 'otel') return 'only otel/ imports otel/ (it loads @opentelemetry/api)';
  if (from === 'otel' && to === 'bus' && !OTEL_FROM_BUS.test(target)) {
    return 'otel/ imports from bus/ only the ports and bus.interfaces';
  }
  if (from === 'otel' && !['otel', 'bus', ...GROUND].includes(to)) {
    return `otel/ imports only bus/ports, ${GROUND.join('/, ')}/`;
  }
  return undefined;
}

describe('layers', () => {
  const found = new Map<string, string>();
  for (const file of sourceFiles()) {
    for (const { specifier, target } of internalImports(file)) {
      const rule = brokenRule(file, target);
      if (rule === undefined) continue;
      const key = `${file.replace(/\.ts$/, '')} -> ${target.replace(/(\/index)?\.ts$/, '')}`;
      found.set(key, `${file} imports '${specifier}': ${rule}`);
    }
  }

  it('reads the source files, not the specs', () => {
    const files = sourceFiles();
    expect(files).toEqual(
      expect.arrayContaining(['index.ts', 'bus/event-bus.service.ts', 'common/load-driver.ts']),
    );
    expect(files.some((file) => file.endsWith('.spec.ts'))).toBe(false);
  });

  it('has no import that points up', () => {
    expect([...found.values()]).toEqual([]);
  });

  it('imports ioredis only under redis/', () => {
    const importers = sourceFiles().filter(
      (file) =>
        !file.startsWith('redis/') &&
        /from 'ioredis'|require\('ioredis'\)|loadOptionalPeer[^(]*\('ioredis'/.test(
          readFileSync(join(SRC, file), 'utf8'),
        ),
    );
    expect(importers).toEqual([]);
  });

  it('names @opentelemetry/api only under otel/', () => {
    const importers = sourceFiles().filter(
      (file) =>
        !file.startsWith('otel/') && readFileSync(join(SRC, file), 'utf8').includes('@opentelemetry/api'),
    );
    expect(importers).toEqual([]);
  });
});
