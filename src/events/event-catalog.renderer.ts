import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as plugin from 'nestjs-event-bus';
import { isEventDefinition, type EventDefinition, type EventSeverity } from 'nestjs-event-bus';
import { Registry } from 'prom-client';
import { z } from 'zod';
import * as auditLogEvents from '../audit-log/audit-log.events';
import * as authEvents from '../auth/auth.events';
import * as apiEvents from '../common/api.events';
import { loadAppConfig } from '../config/app.config';
import * as databaseEvents from '../database/database.events';
import * as inviteEvents from '../invites/invites.events';
import * as notificationEvents from '../notifications/notifications.events';
import * as organizationEvents from '../organizations/organizations.events';
import * as tournamentCqrsEvents from '../tournaments/tournament.cqrs-events';
import * as tournamentEvents from '../tournaments/tournaments.events';
import * as userEvents from '../users/users.events';
import { eventsOptions } from './events-options.factory';

type AnyDefinition = EventDefinition<unknown, unknown>;

/** A file of `defineEvent()` definitions, with the module it belongs to. */
export interface CatalogSource {
  /** `users`, `auth`... for the app; `nestjs-event-bus` for the plugin's own events. */
  module: string;
  /** Where the definitions are written, relative to the repository root. */
  file: string;
  /** The file's exports; the definitions among them are picked out. */
  exports: Readonly<Record<string, unknown>>;
}

/** One field of a payload, as read from the definition's schema. */
export interface PayloadField {
  name: string;
  type: string;
  required: boolean;
}

/** Everything the catalog says about one event type. */
export interface CatalogEntry {
  type: string;
  version: number;
  severity: EventSeverity;
  description: string | undefined;
  module: string;
  exportName: string;
  definedIn: string;
  /** `definition` (the definition says `audit: true`), an `audit.include` pattern of the app, or false. */
  audited: false | 'definition' | { pattern: string };
  /** The payload's fields, or why they cannot be listed. */
  payload: PayloadField[] | { note: string };
  /** Source files that emit it (directly, or as a CQRS event published through the bridge). */
  emittedIn: { file: string; via?: string }[];
}

/** The example app's definition files and the plugin's public API (which exports its built-in definitions). */
export const CATALOG_SOURCES: readonly CatalogSource[] = [
  { module: 'audit-log', file: 'src/audit-log/audit-log.events.ts', exports: auditLogEvents },
  { module: 'auth', file: 'src/auth/auth.events.ts', exports: authEvents },
  { module: 'common', file: 'src/common/api.events.ts', exports: apiEvents },
  { module: 'database', file: 'src/database/database.events.ts', exports: databaseEvents },
  { module: 'invites', file: 'src/invites/invites.events.ts', exports: inviteEvents },
  { module: 'notifications', file: 'src/notifications/notifications.events.ts', exports: notificationEvents },
  { module: 'organizations', file: 'src/organizations/organizations.events.ts', exports: organizationEvents },
  { module: 'tournaments', file: 'src/tournaments/tournaments.events.ts', exports: tournamentEvents },
  { module: 'users', file: 'src/users/users.events.ts', exports: userEvents },
  { module: 'nestjs-event-bus', file: 'libs/events/src/index.ts', exports: plugin },
];

/** Modules whose exported classes with a static `type` are CQRS events the bridge puts on the bus. */
export const CQRS_EVENT_SOURCES: readonly Readonly<Record<string, unknown>>[] = [tournamentCqrsEvents];

/** Folders scanned for the places that emit events. */
const SCANNED_FOLDERS = ['src', 'libs/events/src'];

/** The `audit.include` patterns the example app runs with (read from its real module options). */
export function appAuditInclude(): readonly string[] {
  const options = eventsOptions(loadAppConfig({}), new Registry(), 'all');
  return options.audit ? (options.audit.include ?? []) : [];
}

/** Reads every definition of `sources`, with what the code says about it, sorted by type. */
export function collectEventCatalog(
  rootDir: string,
  sources: readonly CatalogSource[] = CATALOG_SOURCES,
  auditInclude: readonly string[] = appAuditInclude(),
): CatalogEntry[] {
  const found = new Map<string, { definition: AnyDefinition; source: CatalogSource; exportName: string }>();
  const byName = new Map<string, AnyDefinition>();
  for (const source of sources) {
    for (const [exportName, value] of Object.entries(source.exports)) {
      if (!isEventDefinition(value)) continue;
      byName.set(exportName, value);
      if (!found.has(value.type)) found.set(value.type, { definition: value, source, exportName });
    }
  }
  const emitters = findEmitters(rootDir, byName, cqrsClassTypes());
  return [...found.values()]
    .map(({ definition, source, exportName }) => ({
      type: definition.type,
      version: definition.version,
      severity: definition.severity ?? 'info',
      description: definition.description,
      module: source.module,
      exportName,
      definedIn: source.file,
      audited: auditedBy(definition, auditInclude),
      payload: payloadOf(definition, exportName),
      emittedIn: emitters.get(definition.type) ?? [],
    }))
    .sort((a, b) => compare(a.type, b.type));
}

/** The catalog as Markdown: deterministic (no dates), so a test can compare it with the committed file. */
export function renderEventCatalog(entries: readonly CatalogEntry[]): string {
  const lines: string[] = [];
  const audited = entries.filter((e) => e.audited !== false).length;
  const modules = [...new Set(entries.map((e) => e.module))].sort(compareModules);
  lines.push(
    '# Event catalog',
    '',
    '<!-- Generated by `npm run docs:events` from the defineEvent() definitions. Do not edit by hand. -->',
    '',
    `Every event type of the example app and the plugin's built-in ones: ${entries.length} types, ` +
      `${audited} of them recorded in the audit trail when the example app runs. Types, versions, severities, ` +
      'descriptions and payload fields come from the `defineEvent()` definitions; "emitted in" lists the source ' +
      'files that emit each type, found by reading the code.',
    '',
    'Audited: `definition` means the definition says `audit: true`; a pattern means the example app records ' +
      'it through its `audit.include` option (`src/events/events-options.factory.ts`).',
    '',
    '## Index',
    '',
    '| type | module | severity | audited | description |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const entry of entries) {
    lines.push(
      `| [\`${entry.type}\`](#${anchor(entry.type)}) | ${entry.module} | ${entry.severity} | ` +
        `${auditLabel(entry)} | ${cell(entry.description ?? '')} |`,
    );
  }
  for (const module of modules) {
    const inModule = entries.filter((e) => e.module === module);
    lines.push(
      '',
      `## ${module === 'nestjs-event-bus' ? 'Plugin (nestjs-event-bus)' : `Module \`${module}\``}`,
    );
    lines.push(
      '',
      module === 'nestjs-event-bus'
        ? `Exported by the plugin (\`${inModule[0].definedIn}\`); the plugin emits them itself.`
        : `Defined in \`${inModule[0].definedIn}\`.`,
    );
    for (const entry of inModule) lines.push('', ...renderEntry(entry));
  }
  lines.push('');
  return lines.join('\n');
}

function renderEntry(entry: CatalogEntry): string[] {
  const lines = [`### ${entry.type}`, ''];
  if (entry.description) lines.push(entry.description, '');
  lines.push(
    `- definition: \`${entry.exportName}\`, version ${entry.version}`,
    `- severity: ${entry.severity}`,
    `- audited: ${auditLabel(entry)}`,
  );
  if (entry.emittedIn.length === 0) {
    lines.push('- emitted in: (no emitting call found in the source)');
  } else {
    const places = entry.emittedIn.map((e) => `\`${e.file}\`${e.via ? ` (${e.via})` : ''}`);
    lines.push(`- emitted in: ${places.join(', ')}`);
  }
  if ('note' in entry.payload) {
    lines.push(`- payload: ${entry.payload.note}`);
    return lines;
  }
  if (entry.payload.length === 0) {
    lines.push('- payload: no fields');
    return lines;
  }
  lines.push('', '| field | type | required |', '| --- | --- | --- |');
  for (const field of entry.payload) {
    lines.push(`| \`${field.name}\` | ${codeCell(field.type)} | ${field.required ? 'yes' : 'no'} |`);
  }
  return lines;
}

function auditLabel(entry: CatalogEntry): string {
  if (entry.audited === false) return 'no';
  if (entry.audited === 'definition') return 'definition';
  return `\`${entry.audited.pattern}\``;
}

function auditedBy(definition: AnyDefinition, include: readonly string[]): CatalogEntry['audited'] {
  if (definition.audit) return 'definition';
  const pattern = include.find((p) => matchesPattern(p, definition.type));
  return pattern === undefined ? false : { pattern };
}

/** `*` is one segment, `**` any number of them (the bus's pattern rules). */
export function matchesPattern(pattern: string, type: string): boolean {
  const match = (p: readonly string[], t: readonly string[]): boolean => {
    if (p.length === 0) return t.length === 0;
    if (p[0] === '**') return t.some((_, i) => match(p.slice(1), t.slice(i))) || match(p.slice(1), []);
    return t.length > 0 && (p[0] === '*' || p[0] === t[0]) && match(p.slice(1), t.slice(1));
  };
  return match(pattern.split('.'), type.split('.'));
}

// ------------------------------------------------------------------------------------------------ payloads

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  format?: string;
};

/** The payload fields from a zod schema (through its JSON Schema); other schemas are only named. */
export function payloadOf(definition: AnyDefinition, exportName = 'the definition'): CatalogEntry['payload'] {
  const schema = definition.schema;
  if (schema === undefined) {
    return {
      note: `typed in TypeScript only (no runtime schema): see the type parameter of \`${exportName}\``,
    };
  }
  const vendor = schema['~standard'].vendor;
  if (vendor !== 'zod') return { note: `validated by a ${vendor} schema` };
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema as unknown as z.ZodType, {
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
  } catch (error) {
    return { note: `a zod schema that has no JSON Schema form (${(error as Error).message})` };
  }
  if (!json.properties) return { note: `\`${describeType(json)}\`` };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties).map(([name, property]) => ({
    name,
    type: describeType(property),
    required: required.has(name),
  }));
}

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** A compact TypeScript-like spelling of a JSON Schema type. */
export function describeType(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.anyOf) return schema.anyOf.map(describeType).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return 'unknown';
  return types.map((t) => describeOne(t, schema)).join(' | ');
}

function describeOne(type: string, schema: JsonSchema): string {
  switch (type) {
    case 'integer':
    case 'number':
      return type + bounds(schema);
    case 'string':
      return schema.format ? `string (${schema.format})` : 'string';
    case 'array': {
      const item = schema.items ? describeType(schema.items) : 'unknown';
      const list = `${item.includes(' ') && !item.startsWith('{') ? `(${item})` : item}[]`;
      return schema.minItems ? `${list} (at least ${schema.minItems})` : list;
    }
    case 'object': {
      if (!schema.properties) return 'object';
      const required = new Set(schema.required ?? []);
      const fields = Object.entries(schema.properties).map(
        ([name, property]) => `${name}${required.has(name) ? '' : '?'}: ${describeType(property)}`,
      );
      return `{ ${fields.join('; ')} }`;
    }
    default:
      return type;
  }
}

function bounds(schema: JsonSchema): string {
  const min = schema.minimum !== undefined && schema.minimum > -SAFE_MAX ? schema.minimum : undefined;
  const max = schema.maximum !== undefined && schema.maximum < SAFE_MAX ? schema.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` (${min} to ${max})`;
  if (min !== undefined) return ` (>= ${min})`;
  if (max !== undefined) return ` (<= ${max})`;
  return '';
}

// ------------------------------------------------------------------------------------------------ emitters

/** CQRS event class name -> bus type (the class's static `type`, which the bridge uses). */
function cqrsClassTypes(): Map<string, string> {
  const types = new Map<string, string>();
  for (const source of CQRS_EVENT_SOURCES) {
    for (const [name, value] of Object.entries(source)) {
      const type = typeof value === 'function' ? (value as { type?: unknown }).type : undefined;
      if (typeof type === 'string') types.set(name, type);
    }
  }
  return types;
}

const EMIT_CALL = /\.emit(?:Async)?\(/g;
const NEW_CALL = /\bnew\s+([A-Z][\w$]*)\s*\(/g;
const IDENTIFIER = /[A-Za-z_$][\w$]*/g;
const STRING = /'([a-z0-9][a-z0-9_.-]*)'/g;

/** Event type -> the files that emit it, found by reading the code (comments stripped). */
function findEmitters(
  rootDir: string,
  definitions: ReadonlyMap<string, AnyDefinition>,
  cqrsClasses: ReadonlyMap<string, string>,
): Map<string, { file: string; via?: string }[]> {
  const emitters = new Map<string, Map<string, string | undefined>>();
  const add = (type: string, file: string, via?: string) => {
    const files = emitters.get(type) ?? new Map<string, string | undefined>();
    if (!files.has(file) || via === undefined) files.set(file, via);
    emitters.set(type, files);
  };
  for (const file of SCANNED_FOLDERS.flatMap((folder) => sourceFiles(rootDir, folder))) {
    const code = stripComments(readFileSync(join(rootDir, file), 'utf8'));
    for (const call of code.matchAll(EMIT_CALL)) {
      const argument = firstArgument(code, call.index + call[0].length);
      for (const [name] of argument.matchAll(IDENTIFIER)) {
        const definition = definitions.get(name);
        if (definition) add(definition.type, file);
      }
      for (const [, type] of argument.matchAll(STRING)) add(type, file);
    }
    for (const [, className] of code.matchAll(NEW_CALL)) {
      const type = cqrsClasses.get(className);
      if (type) add(type, file, `CQRS \`${className}\` through the bridge`);
    }
  }
  const result = new Map<string, { file: string; via?: string }[]>();
  for (const [type, files] of emitters) {
    result.set(
      type,
      [...files.entries()]
        .sort(([a], [b]) => compare(a, b))
        .map(([file, via]) => (via === undefined ? { file } : { file, via })),
    );
  }
  return result;
}

/** TypeScript files under `folder` (relative to the root, `/`-separated), specs and catalog code excluded. */
function sourceFiles(rootDir: string, folder: string): string[] {
  const entries = readdirSync(join(rootDir, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|e2e-spec|d)\.ts$/.test(e.name))
    .map((e) => relative(rootDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((file) => !file.startsWith('src/events/event-catalog'))
    .sort(compare);
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The text of a call's first argument, from `start` to the first `,` or `)` outside brackets. */
function firstArgument(code: string, start: number): string {
  let depth = 0;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === ',' || c === ')') && depth === 0) return code.slice(start, i);
  }
  return '';
}

// ------------------------------------------------------------------------------------------------ markdown

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** App modules alphabetically, the plugin last. */
function compareModules(a: string, b: string): number {
  if (a === 'nestjs-event-bus') return 1;
  if (b === 'nestjs-event-bus') return -1;
  return compare(a, b);
}

/** GitHub's heading anchor for `### user.created`: dots dropped. */
function anchor(type: string): string {
  return type.toLowerCase().replace(/[^a-z0-9 _-]/g, '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function codeCell(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}
