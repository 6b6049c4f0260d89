import { CoarseClock } from './coarse-clock';

describe('CoarseClock', () => {
  it('reads the clock once for a synchronous run, at most 32 times per read', () => {
    let reads = 0;
    const clock = new CoarseClock(() => ++reads * 1000);
    const times = Array.from({ length: 70 }, () => clock.read());
    expect(reads).toBe(3);
    expect(times.slice(0, 32).every((t) => t === 1000)).toBe(true);
    expect(times.slice(32, 64).every((t) => t === 2000)).toBe(true);
    expect(times[64]).toBe(3000);
  });

  it('reads it afresh after the run ends (the next microtask)', async () => {
    let now = 1;
    const clock = new CoarseClock(() => now);
    expect(clock.read()).toBe(1);
    now = 5;
    expect(clock.read()).toBe(1);
    await Promise.resolve();
    expect(clock.read()).toBe(5);
  });
});
