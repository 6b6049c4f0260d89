import type { OutboxEntry } from '../bus/ports/outbox-store.port';
import { TransactionFrame, type FrameOutbox } from './transaction-frame';

/** An outbox that records what it was asked to write (through which transaction) and when it was woken. */
class RecordingOutbox implements FrameOutbox {
  readonly writes: { tx: unknown; ids: string[] }[] = [];
  woken = 0;
  failWith: Error | undefined;

  async write(tx: unknown, entries: readonly OutboxEntry[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.writes.push({ tx, ids: entries.map((e) => e.eventId) });
  }

  committed(): void {
    this.woken++;
  }
}

function entry(eventId: string): OutboxEntry {
  return { eventId, type: 't.x', key: 'k', headers: {}, body: '{}' };
}

describe('TransactionFrame', () => {
  it('writes what it kept through its transaction, one write per outbox in order, and wakes them after commit', async () => {
    const a = new RecordingOutbox();
    const b = new RecordingOutbox();
    const frame = new TransactionFrame(undefined);
    frame.tx = 'tx-1';
    expect(frame.add(a, entry('1'))).toBe(true);
    expect(frame.add(b, entry('2'))).toBe(true);
    expect(frame.add(a, entry('3'))).toBe(true);
    await frame.flush();
    expect(a.writes).toEqual([{ tx: 'tx-1', ids: ['1', '3'] }]);
    expect(b.writes).toEqual([{ tx: 'tx-1', ids: ['2'] }]);
    expect([a.woken, b.woken]).toEqual([0, 0]);
    frame.committed();
    expect([a.woken, b.woken]).toEqual([1, 1]);
  });

  it('takes nothing once its transaction is ending: the emitter then dispatches at once', async () => {
    const outbox = new RecordingOutbox();
    const frame = new TransactionFrame(undefined);
    await frame.flush();
    expect(frame.isOpen).toBe(false);
    expect(frame.add(outbox, entry('late'))).toBe(false);
  });

  it('writes events kept while it was writing (work the transaction left running)', async () => {
    const outbox = new RecordingOutbox();
    const frame = new TransactionFrame(undefined);
    const write = outbox.write.bind(outbox);
    outbox.write = async (tx, entries) => {
      await write(tx, entries);
      if (entries[0].eventId === '1') frame.add(outbox, entry('2'));
    };
    frame.add(outbox, entry('1'));
    await frame.flush();
    expect(outbox.writes.map((w) => w.ids)).toEqual([['1'], ['2']]);
  });

  it('rejects with the write error and wakes nobody; a rollback drops what it kept', async () => {
    const outbox = new RecordingOutbox();
    outbox.failWith = new Error('disk full');
    const frame = new TransactionFrame(undefined);
    frame.add(outbox, entry('1'));
    await expect(frame.flush()).rejects.toThrow('disk full');
    frame.rolledBack();
    frame.committed();
    expect(outbox.woken).toBe(0);
  });

  it("hands a released savepoint's outboxes to its transaction, which wakes them on commit", async () => {
    const outbox = new RecordingOutbox();
    const outer = new TransactionFrame(undefined);
    outer.tx = 'outer';
    const savepoint = new TransactionFrame(outer, outer);
    savepoint.tx = 'savepoint';
    savepoint.add(outbox, entry('inner'));
    await savepoint.flush();
    savepoint.committed();
    expect(outbox.writes).toEqual([{ tx: 'savepoint', ids: ['inner'] }]);
    expect(outbox.woken).toBe(0);
    await outer.flush();
    outer.committed();
    expect(outbox.woken).toBe(1);
  });

  it('finds the frame of a transaction among the frames it is nested in', () => {
    const outer = new TransactionFrame(undefined);
    outer.tx = 'a';
    const inner = new TransactionFrame(outer);
    inner.tx = 'b';
    expect(inner.find('b')).toBe(inner);
    expect(inner.find('a')).toBe(outer);
    expect(inner.find('c')).toBeUndefined();
  });
});
