import { InHandEntries } from './in-hand';

describe('InHandEntries', () => {
  it('counts reserved slots against what readers may ask for, not against claims', () => {
    const inHand = new InHandEntries(4);
    inHand.add('s', '1-0');
    expect(inHand.free).toBe(3);
    const slots = inHand.reserve(inHand.free);
    expect(inHand.free).toBe(0);
    // Claims have room of their own, up to twice the capacity held.
    expect(inHand.claimable).toBe(7);
    inHand.add('s', '2-0');
    inHand.release(slots);
    expect(inHand.free).toBe(2);
    expect(inHand.count).toBe(2);
  });

  it('wakes a reader waiting for slots when a reservation is released or an entry settles', async () => {
    const inHand = new InHandEntries(2);
    const slots = inHand.reserve(2);
    let woken = 0;
    void inHand.whenFree(2).then(() => woken++);
    await Promise.resolve();
    expect(woken).toBe(0);
    inHand.release(slots);
    await Promise.resolve();
    expect(woken).toBe(1);
    inHand.add('s', '1-0');
    void inHand.whenFree(2).then(() => woken++);
    inHand.remove('s', '1-0');
    await Promise.resolve();
    expect(woken).toBe(2);
  });

  it('never runs more than the capacity at once', async () => {
    const inHand = new InHandEntries(1);
    await inHand.acquireSlot();
    let second = false;
    void inHand.acquireSlot().then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    inHand.releaseSlot();
    await Promise.resolve();
    expect(second).toBe(true);
    expect(inHand.running).toBe(1);
  });
});
