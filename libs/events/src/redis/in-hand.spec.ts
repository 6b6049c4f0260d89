import { InHandEntries } from './in-hand';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('InHandEntries', () => {
  it('counts the slots a read reserved against what readers may ask for, not against claims', async () => {
    const inHand = new InHandEntries(4);
    inHand.add('s', '1-0');
    expect(inHand.free).toBe(3);
    expect(await inHand.turn(2)).toBe(true);
    expect(inHand.extend(10)).toBe(1);
    expect(inHand.free).toBe(0);
    // Claims have room of their own, up to twice the capacity held.
    expect(inHand.claimable).toBe(7);
    inHand.add('s', '2-0');
    inHand.release(3);
    expect(inHand.free).toBe(2);
    expect(inHand.count).toBe(2);
  });

  it('serves readers in the order they asked: one that reads again at once cannot starve another', async () => {
    const inHand = new InHandEntries(2);
    const order: string[] = [];
    await inHand.turn(2);
    void inHand.turn(2).then(() => order.push('b'));
    await settle();
    expect(order).toEqual([]);
    inHand.release(2);
    // a asks again at once, behind b.
    void inHand.turn(2).then(() => order.push('a'));
    await settle();
    expect(order).toEqual(['b']);
    expect(inHand.extend(1)).toBe(0);
    inHand.release(2);
    await settle();
    expect(order).toEqual(['b', 'a']);
  });

  it('grants a waiting turn when an entry settles, and ends the waits on interrupt', async () => {
    const inHand = new InHandEntries(2);
    inHand.add('s', '1-0');
    inHand.add('s', '2-0');
    const granted: boolean[] = [];
    void inHand.turn(1).then((ok) => granted.push(ok));
    void inHand.turn(2).then((ok) => granted.push(ok));
    inHand.remove('s', '1-0');
    await settle();
    expect(granted).toEqual([true]);
    inHand.interrupt();
    await settle();
    expect(granted).toEqual([true, false]);
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
