import { randomFillSync } from 'node:crypto';

const HEX_DIGIT = '0123456789abcdef';
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const POOL_SIZE = 4096;
/** 42 bits of counter: 12 in rand_a, 30 at the top of rand_b (RFC 9562 section 6.2, method 1). */
const COUNTER_LOW_SPAN = 2 ** 30;
const COUNTER_MAX = 2 ** 42 - 1;
/** Counter values that share every id character before the last 8 counter bits. */
const PREFIX_BLOCK = 2 ** 8;

/**
 * Generates UUIDv7 ids that are strictly increasing for one generator, and the matching ISO timestamps.
 *
 * Both are cached per millisecond: within one millisecond only the counter and four random bytes change. An id
 * is three pieces joined: the first 26 characters, shared by a block of 256 counter values, two digits of the
 * counter, and eight random digits cut from a hex copy of the random pool.
 */
export class EventIdGenerator {
  private readonly pool = Buffer.allocUnsafe(POOL_SIZE);
  /** The pool as hex digits, two per byte. */
  private hexPool = '';
  private poolOffset = POOL_SIZE;
  private lastMs = -1;
  private counter = 0;
  private timeHex = '';
  private isoTime = '';
  /** The millisecond `isoTime` shows; the ISO text is made on the first `timestamp()` call of a millisecond. */
  private isoMs = -1;
  /** `YYYY-MM-DDTHH:MM:SS.` of the second `isoSecond`, shared by its thousand milliseconds. */
  private isoPrefix = '';
  private isoSecond = NaN;
  /** The id's first 26 characters, shared by the 256 counter values of one block in one millisecond. */
  private prefix = '';
  private prefixBlock = -1;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * A new id; call `timestamp()` right after it for the time it encodes. `now` is the time to stamp (a clock read
   * the caller made); ids stay strictly increasing whatever it is.
   */
  next(now: number = this.now()): string {
    this.advanceClock(now);
    const counter = this.counter;
    const high = Math.floor(counter / COUNTER_LOW_SPAN);
    const low = counter - high * COUNTER_LOW_SPAN;
    const block = Math.floor(counter / PREFIX_BLOCK);
    if (block !== this.prefixBlock) {
      this.prefixBlock = block;
      this.prefix =
        this.timeHex +
        '-7' +
        HEX_DIGIT[(high >>> 8) & 0x0f] +
        HEX[high & 0xff] +
        '-' +
        HEX[0x80 | ((low >>> 24) & 0x3f)] +
        HEX[(low >>> 16) & 0xff] +
        '-' +
        HEX[(low >>> 8) & 0xff];
    }
    const p = this.takeRandom(4);
    return this.prefix + HEX[low & 0xff] + this.hexPool.slice(2 * p, 2 * p + 8);
  }

  /** ISO-8601 UTC time (ms precision) of the id `next()` returned last. */
  timestamp(): string {
    if (this.isoMs !== this.lastMs) this.formatTime(this.lastMs);
    return this.isoTime;
  }

  private advanceClock(now: number): void {
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
    this.timeHex = timeHexOf(ms);
    this.prefixBlock = -1;
  }

  /** Ids for correlation need no ISO text: it is made lazily, and per second rather than per millisecond. */
  private formatTime(ms: number): void {
    const whole = Math.trunc(ms); // as Date does with a fractional time
    const second = Math.floor(whole / 1000);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      // Cut '000Z', not a fixed length: years past 9999 have a longer (+yyyyyy) date part.
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    }
    this.isoTime = this.isoPrefix + MILLIS[whole - second * 1000] + 'Z';
    this.isoMs = ms;
  }

  /** A random start with the top bit clear, so a millisecond always has at least 2^41 ids to count through. */
  private randomCounterSeed(): number {
    const pool = this.pool;
    const p = this.takeRandom(6);
    const high = ((pool[p] & 0x07) << 8) | pool[p + 1];
    const low = ((pool[p + 2] & 0x3f) << 24) | (pool[p + 3] << 16) | (pool[p + 4] << 8) | pool[p + 5];
    return high * COUNTER_LOW_SPAN + low;
  }

  /** The offset of `bytes` fresh random bytes in the pool (refilled when used up). */
  private takeRandom(bytes: number): number {
    if (this.poolOffset + bytes > POOL_SIZE) {
      randomFillSync(this.pool);
      this.hexPool = this.pool.toString('hex');
      this.poolOffset = 0;
    }
    const offset = this.poolOffset;
    this.poolOffset = offset + bytes;
    return offset;
  }
}

/** `xxxxxxxx-xxxx`: the 48-bit millisecond time as the id's first two groups. */
function timeHexOf(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < 2 ** 48)) {
    const hex = ms.toString(16).padStart(12, '0');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12);
  }
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  return (
    HEX[high >>> 8] +
    HEX[high & 0xff] +
    HEX[low >>> 24] +
    HEX[(low >>> 16) & 0xff] +
    '-' +
    HEX[(low >>> 8) & 0xff] +
    HEX[low & 0xff]
  );
}

/** Reads the millisecond timestamp encoded in a UUIDv7. */
export function timestampOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
