import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';
import { ALL_EVENT_TYPES } from './event-catalog';
import {
  collectEventCatalog,
  describeType,
  matchesPattern,
  payloadOf,
  renderEventCatalog,
  type CatalogEntry,
} from './event-catalog.renderer';

const ROOT = join(__dirname, '..', '..');
const CATALOG_FILE = join(ROOT, 'docs', 'event-catalog.md');

describe('docs/event-catalog.md', () => {
  let entries: CatalogEntry[];

  beforeAll(() => {
    entries = collectEventCatalog(ROOT);
  });

  it('is up to date with the defineEvent() definitions (run `npm run docs:events` when this fails)', () => {
    let committed: string;
    try {
      committed = readFileSync(CATALOG_FILE, 'utf8');
    } catch {
      throw new Error('docs/event-catalog.md is missing: run `npm run docs:events`.');
    }
    const fresh = renderEventCatalog(entries);
    if (committed !== fresh) {
      const a = committed.split('\n');
      const b = fresh.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      throw new Error(
        `docs/event-catalog.md is stale: run \`npm run docs:events\` and commit the result. ` +
          `First difference at line ${line + 1}:\n  file:      ${a[line]}\n  generated: ${b[line]}`,
      );
    }
  });

  it('lists every event type the example app emits, each once', () => {
    const types = entries.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    expect([...types].sort()).toEqual(expect.arrayContaining([...ALL_EVENT_TYPES].sort()));
  });

  it('finds an emitting call in the source for every type the example app emits', () => {
    const missing = entries
      .filter((e) => ALL_EVENT_TYPES.includes(e.type) && e.emittedIn.length === 0)
      .map((e) => e.type);
    expect(missing).toEqual([]);
  });

  it('shows what the definitions and the app options say (audit flag, include pattern, severity, CQRS path)', () => {
    const byType = new Map(entries.map((e) => [e.type, e]));
    expect(byType.get('user.created')).toMatchObject({
      audited: 'definition',
      module: 'users',
      exportName: 'UserCreated',
      emittedIn: [{ file: 'src/users/users.service.ts' }],
    });
    // No audit flag, but the app's `audit.include` has `tournament.**`.
    expect(byType.get('tournament.leaderboard.updated')?.audited).toEqual({ pattern: 'tournament.**' });
    expect(byType.get('event.handler.failed')).toMatchObject({
      severity: 'error',
      module: 'nestjs-event-bus',
    });
    expect(byType.get('tournament.created')?.emittedIn).toEqual([
      {
        file: 'src/tournaments/tournament.aggregate.ts',
        via: 'CQRS `TournamentCreatedEvent` through the bridge',
      },
    ]);
    const failedRequests = byType.get('http.request.failed')?.emittedIn.map((e) => e.file);
    expect(failedRequests).toContain('libs/events/src/correlation/http-request.reporter.ts');
  });

  it('renders the same text twice (sorted, no dates)', () => {
    expect(renderEventCatalog(collectEventCatalog(ROOT))).toBe(renderEventCatalog(entries));
  });
});

describe('payload fields from zod schemas', () => {
  it('lists fields with types, bounds, enums, nullability and optional ones', () => {
    const Sample = defineEvent('sample.happened', {
      schema: z.object({
        id: z.string(),
        count: z.number().int().min(0),
        kind: z.enum(['a', 'b']),
        note: z.string().nullable().optional(),
        tags: z.array(z.object({ key: z.string(), weight: z.number().nullable() })).min(1),
      }),
    });
    expect(payloadOf(Sample)).toEqual([
      { name: 'id', type: 'string', required: true },
      { name: 'count', type: 'integer (>= 0)', required: true },
      { name: 'kind', type: '"a" | "b"', required: true },
      { name: 'note', type: 'string | null', required: false },
      { name: 'tags', type: '{ key: string; weight: number | null }[] (at least 1)', required: true },
    ]);
  });

  it('says when a definition has no runtime schema', () => {
    expect(payloadOf(defineEvent<{ id: string }>('plain.thing'))).toEqual({
      note: expect.stringContaining('TypeScript only'),
    });
  });

  it('spells arrays of unions with parentheses', () => {
    expect(describeType({ type: 'array', items: { type: ['string', 'null'] } })).toBe('(string | null)[]');
  });
});

describe('matchesPattern', () => {
  it.each([
    ['user.*', 'user.created', true],
    ['user.*', 'user.password.changed', false],
    ['user.**', 'user.password.changed', true],
    ['**', 'anything.at.all', true],
    ['command.execution.failed', 'command.execution.failed', true],
    ['tournament.**', 'tournaments.created', false],
  ])('%s matches %s: %s', (pattern, type, expected) => {
    expect(matchesPattern(pattern, type)).toBe(expected);
  });
});
