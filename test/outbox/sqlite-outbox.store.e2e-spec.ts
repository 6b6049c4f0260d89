import { SqliteOutboxStore } from 'nestjs-event-bus/outbox';
import { describeOutboxStoreContract } from './support/store-conformance';
import { sqliteBackend } from './support/sqlite-backend';

describe('SqliteOutboxStore (real SQLite files)', () => {
  describeOutboxStoreContract(sqliteBackend);

  it('checks its table names and says what it needs', () => {
    expect(() => new SqliteOutboxStore({ file: 'x.db', table: 'bad name' })).toThrow(
      /table "bad name" must be letters, digits and _/,
    );
    expect(() => new SqliteOutboxStore({} as never)).toThrow(/needs "file"/);
  });
});
