import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { ClsPluginTransactional, Transactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { EventBusService, EventsModule, OnEvent, defineEvent, type BusEvent } from 'nestjs-event-bus';
import {
  OUTBOX_STORE,
  SqliteOutboxStore,
  transactionalOutbox,
  type OutboxStore,
} from 'nestjs-event-bus/outbox';
import { until } from '../support/wait';

/**
 * Scenario: two databases with a transaction manager each; the outbox lives in the one of the `ClsPluginTransactional`
 * named `ledger` (`outbox.connectionName`). Events emitted in its transactions wait for their commit; events
 * emitted in a transaction of the other connection cannot be written there, and are dispatched at once.
 */
const Noted = defineEvent<{ where: string }>('note.written');

@Injectable()
class Notes {
  constructor(private readonly bus: EventBusService) {}

  @Transactional('ledger')
  async inLedger(outcome: 'commit' | 'rollback'): Promise<void> {
    this.bus.emit(Noted, { where: `ledger-${outcome}` });
    if (outcome === 'rollback') throw new Error('rolled back');
  }

  @Transactional()
  async inMain(): Promise<void> {
    this.bus.emit(Noted, { where: 'main' });
    throw new Error('rolled back');
  }
}

@Injectable()
class NoteListener {
  readonly seen: string[] = [];

  @OnEvent(Noted)
  onNoted(event: BusEvent<{ where: string }>): void {
    this.seen.push(event.data.where);
  }
}

describe('the outbox on a named connection', () => {
  let dir: string;
  let app: INestApplication;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-named-'));
    const file = (name: string) => join(dir, `${name}.db`);
    const sqlite = (name: string) => ({
      type: 'better-sqlite3' as const,
      database: file(name),
      enableWAL: true,
    });
    @Module({
      imports: [
        TypeOrmModule.forRoot(sqlite('main')),
        TypeOrmModule.forRoot({ ...sqlite('ledger'), name: 'ledger' }),
        ClsModule.forRoot({
          global: true,
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: transactionalOutbox(
                new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
              ),
            }),
            new ClsPluginTransactional({
              connectionName: 'ledger',
              imports: [TypeOrmModule],
              adapter: transactionalOutbox(
                new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken('ledger') }),
              ),
            }),
          ],
        }),
        EventsModule.forRoot({
          outbox: {
            store: new SqliteOutboxStore({ file: file('ledger') }),
            connectionName: 'ledger',
            relay: { pollIntervalMs: 50 },
          },
        }),
      ],
      providers: [Notes, NoteListener],
    })
    class NamedConnectionApp {}
    const moduleRef = await Test.createTestingModule({ imports: [NamedConnectionApp] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
  });

  afterEach(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the events of that connection's transactions only, and dispatches the others at once", async () => {
    const notes = app.get(Notes);
    const listener = app.get(NoteListener);
    await expect(notes.inLedger('rollback')).rejects.toThrow('rolled back');
    await expect(notes.inMain()).rejects.toThrow('rolled back');
    // Not the outbox's database: dispatched inside the transaction, as without an outbox.
    expect(listener.seen).toEqual(['main']);
    await notes.inLedger('commit');
    await until(() => listener.seen.length === 2, 10_000);
    await until(async () => (await app.get<OutboxStore>(OUTBOX_STORE).inspect()).rows === 0, 10_000);
    expect(listener.seen).toEqual(['main', 'ledger-commit']);
  });
});
