import { EventIdGenerator, timestampOfId } from './event-id.generator';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function assertStrictlyIncreasing(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i] > ids[i - 1])) {
      throw new Error(`id ${i} (${ids[i]}) is not greater than id ${i - 1} (${ids[i - 1]})`);
    }
  }
}

describe('EventIdGenerator', () => {
  it('produces RFC 9562 UUIDv7 ids: lowercase, version 7, variant 10', () => {
    const ids = new EventIdGenerator();
    for (let i = 0; i < 1000; i++) {
      const id = ids.next();
      expect(id).toMatch(UUID_V7);
      expect(id[14]).toBe('7');
      expect(parseInt(id[19], 16) >> 2).toBe(0b10);
    }
  });

  it('encodes the clock in the first 48 bits and gives the matching ISO-8601 UTC timestamp', () => {
    const at = Date.UTC(2026, 0, 31, 12, 34, 56, 789);
    const ids = new EventIdGenerator(() => at);
    const id = ids.next();
    expect(timestampOfId(id)).toBe(at);
    expect(id.slice(0, 13)).toBe(
      at
        .toString(16)
        .padStart(12, '0')
        .replace(/^(.{8})/, '$1-'),
    );
    expect(ids.timestamp()).toBe('2026-01-31T12:34:56.789Z');
  });

  it('keeps 10,000 ids strictly increasing and unique when generated as fast as possible', () => {
    const generator = new EventIdGenerator();
    const ids = Array.from({ length: 10_000 }, () => generator.next());
    assertStrictlyIncreasing(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps ids strictly increasing within one millisecond (fixed clock)', () => {
    const at = 1_800_000_000_000;
    const generator = new EventIdGenerator(() => at);
    const ids = Array.from({ length: 5000 }, () => generator.next());
    assertStrictlyIncreasing(ids);
    expect(ids.every((id) => timestampOfId(id) === at)).toBe(true);
  });

  it('keeps ids increasing when the wall clock goes backwards', () => {
    let now = 1_800_000_000_500;
    const generator = new EventIdGenerator(() => now);
    const before = generator.next();
    now -= 400;
    const after = [generator.next(), generator.next()];
    assertStrictlyIncreasing([before, ...after]);
    expect(timestampOfId(after[1])).toBe(1_800_000_000_500);
  });

  it('orders ids of later milliseconds after earlier ones', () => {
    let now = 1_800_000_000_000;
    const generator = new EventIdGenerator(() => now);
    const ids: string[] = [];
    for (let ms = 0; ms < 50; ms++) {
      now++;
      for (let i = 0; i < 20; i++) ids.push(generator.next());
    }
    assertStrictlyIncreasing(ids);
  });
});
