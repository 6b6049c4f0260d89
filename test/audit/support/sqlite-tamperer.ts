import Database from 'better-sqlite3';
import type { Tamperer } from './tamper';

/** Opens an SQLite audit file the way an attacker with disk access would. */
export function sqliteTamperer(path: string): Tamperer & { close(): void } {
  const db = new Database(path);
  return {
    table: 'audit_log',
    exec: async (sql, params = []) => {
      const statement = db.prepare(sql);
      return statement.reader ? statement.all(...params) : (statement.run(...params), []);
    },
    close: () => db.close(),
  };
}
