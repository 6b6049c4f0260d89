describe('optional database drivers', () => {
  afterEach(() => {
    jest.dontMock('pg');
    jest.dontMock('better-sqlite3');
    jest.resetModules();
  });

  it('an app using SQLite does not need pg, and PostgresAuditStore says what to install', () => {
    jest.isolateModules(() => {
      jest.doMock('pg', () => {
        throw new Error("Cannot find module 'pg'");
      });
      // Loading the package index must not load either driver.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const index = require('../../index') as typeof import('../../index');
      expect(() => new index.SqliteAuditStore({ path: ':memory:' })).not.toThrow();
      expect(() => new index.PostgresAuditStore()).toThrow(/npm install pg/);
    });
  });

  it('an app using PostgreSQL does not need better-sqlite3', () => {
    jest.isolateModules(() => {
      jest.doMock('better-sqlite3', () => {
        throw new Error("Cannot find module 'better-sqlite3'");
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const index = require('../../index') as typeof import('../../index');
      expect(
        () => new index.PostgresAuditStore({ connectionString: 'postgres://127.0.0.1:1/x' }),
      ).not.toThrow();
      expect(() => new index.SqliteAuditStore()).toThrow(/npm install better-sqlite3/);
    });
  });
});
