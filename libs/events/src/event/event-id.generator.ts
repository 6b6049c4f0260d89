import { randomFillSync } from 'node:crypto';

const HEX_DIGIT = '0123456789abcdef';
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 4096;
/** 42 bits of counter: 12 in rand_a, 30 at the top of rand_b (RFC 9562 section 6.2, method 1). */
const COUNTER_LOW_SPAN = 2 ** 30;
const COUNTER_MAX = 2 ** 42 - 1;

/**
 * Generates UUIDv7 ids that are strictly increasing for one generator, and the matching ISO timestamps.
 *
 * Both are cached per millisecond: within one millisecond only the counter and four random bytes change,
 * which keeps id generation to a handful of string concatenations.
 */
export class EventIdGenerator {
  private readonly pool = Buffer.allocUnsafe(POOL_SIZE);
  private poolOffset = POOL_SIZE;
  private lastMs = -1;
  private counter = 0;
  private timeHex = '';
  private isoTime = '';

  constructor(private readonly now: () => number = Date.now) {}

  /** A new id; call `timestamp()` right after it for the time it encodes. */
  next(): string {
    this.advanceClock();
    const counter = this.counter;
    const high = Math.floor(counter / COUNTER_LOW_SPAN);
    const low = counter - high * COUNTER_LOW_SPAN;
    const pool = this.takeRandom(4);
    const p = this.poolOffset - 4;
    return (
      this.timeHex +
      '-7' +
      HEX_DIGIT[(high >>> 8) & 0x0f] +
      HEX[high & 0xff] +
      '-' +
      HEX[0x80 | ((low >>> 24) & 0x3f)] +
      HEX[(low >>> 16) & 0xff] +
      '-' +
      HEX[(low >>> 8) & 0xff] +
      HEX[low & 0xff] +
      HEX[pool[p]] +
      HEX[pool[p + 1]] +
      HEX[pool[p + 2]] +
      HEX[pool[p + 3]]
    );
  }

  /** ISO-8601 UTC time (ms precision) of the id `next()` returned last. */
  timestamp(): string {
    return this.isoTime;
  }

  private advanceClock(): void {
    const now = this.now();
    if (now > this.lastMs) {
      this.setTime(now);
      this.counter = this.randomCounterSeed();
      return;
    }
    // Same millisecond, or the wall clock went back: count up, borrowing the next millisecond on overflow.
    if (this.counter < COUNTER_MAX) {
      this.counter++;
    } else {
      this.setTime(this.lastMs + 1);
      this.counter = this.randomCounterSeed();
    }
  }

  private setTime(ms: number): void {
    this.lastMs = ms;
    const hex = ms.toString(16).padStart(12, '0');
    this.timeHex = hex.slice(0, 8) + '-' + hex.slice(8, 12);
    this.isoTime = new Date(ms).toISOString();
  }

  /** A random start with the top bit clear, so a millisecond always has at least 2^41 ids to count through. */
  private randomCounterSeed(): number {
    const pool = this.takeRandom(6);
    const p = this.poolOffset - 6;
    const high = ((pool[p] & 0x07) << 8) | pool[p + 1];
    const low = ((pool[p + 2] & 0x3f) << 24) | (pool[p + 3] << 16) | (pool[p + 4] << 8) | pool[p + 5];
    return high * COUNTER_LOW_SPAN + low;
  }

  private takeRandom(bytes: number): Buffer {
    if (this.poolOffset + bytes > POOL_SIZE) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    this.poolOffset += bytes;
    return this.pool;
  }
}

/** Reads the millisecond timestamp encoded in a UUIDv7. */
export function timestampOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
