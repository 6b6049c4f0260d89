describe('the outbox stores load their driver only when made', () => {
  afterEach(() => {
    jest.dontMock('pg');
    jest.dontMock('better-sqlite3');
    jest.resetModules();
  });

  it('an app on SQLite does not need pg, and PostgresOutboxStore says what to install', () => {
    jest.isolateModules(() => {
      jest.doMock('pg', () => {
        throw new Error("Cannot find module 'pg'");
      });
      // Loading the entry point must load neither driver.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const outbox = require('../index') as typeof import('../index');
      expect(() => new outbox.SqliteOutboxStore({ file: ':memory:' })).not.toThrow();
      expect(() => new outbox.PostgresOutboxStore({ connection: 'postgres://127.0.0.1:1/x' })).toThrow(
        outbox.OutboxStoreError,
      );
      expect(() => new outbox.PostgresOutboxStore({ connection: 'postgres://127.0.0.1:1/x' })).toThrow(
        /PostgresOutboxStore needs the "pg" package.*npm install pg/,
      );
    });
  });

  it('an app on PostgreSQL does not need better-sqlite3', () => {
    jest.isolateModules(() => {
      jest.doMock('better-sqlite3', () => {
        throw new Error("Cannot find module 'better-sqlite3'");
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const outbox = require('../index') as typeof import('../index');
      expect(() => new outbox.PostgresOutboxStore({ connection: 'postgres://127.0.0.1:1/x' })).not.toThrow();
      expect(() => new outbox.SqliteOutboxStore({ file: 'x.db' })).toThrow(/npm install better-sqlite3/);
    });
  });
});
