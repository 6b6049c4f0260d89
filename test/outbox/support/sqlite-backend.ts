import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteOutboxStore, type OutboxStore } from 'nestjs-event-bus/outbox';
import type { OutboxBackend } from './outbox-backends';

/** An SQLite file in a temporary directory of the test's own, written by better-sqlite3 as the application. */
export function sqliteBackend(): OutboxBackend {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-sqlite-'));
  const file = join(dir, 'app.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.pragma('busy_timeout = 5000');
  const stores: OutboxStore[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: 'SQLite',
    store(options = {}) {
      const store = new SqliteOutboxStore({ file, ...options });
      stores.push(store);
      return store;
    },
    transaction(outcome, work) {
      // One connection runs one transaction at a time, as an ORM's would.
      const next = queue.then(async () => {
        app.exec('BEGIN');
        try {
          await work(async (sql, params) => app.prepare(sql).run(...params).changes);
        } catch (error) {
          app.exec('ROLLBACK');
          throw error;
        }
        app.exec(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async rows(sql) {
      return app.prepare(sql).all() as Record<string, unknown>[];
    },
    tableSql: (table = 'event_outbox') => `"${table}"`,
    async close() {
      await Promise.all(stores.map((store) => store.close()));
      app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
