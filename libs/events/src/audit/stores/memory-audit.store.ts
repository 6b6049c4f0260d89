import { chainEntries, unrecordedEntries } from '../audit-chain';
import type {
  AuditAppendOptions,
  AuditEntry,
  AuditHead,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
} from '../audit.interfaces';
import { matchesQuery } from '../audit-query';

/** Keeps the audit trail in memory: for tests. `rows` is exposed so tests can tamper with it. */
export class MemoryAuditStore implements AuditStore {
  readonly rows: AuditRow[] = [];

  async init(): Promise<void> {}

  async append(entries: readonly AuditEntry[], options?: AuditAppendOptions): Promise<void> {
    const known = new Set(this.rows.map((row) => row.eventId));
    const fresh = unrecordedEntries(entries, (eventId) => known.has(eventId));
    this.rows.push(...chainEntries(await this.head(), fresh, options?.key));
  }

  async query(query: AuditStoreQuery): Promise<AuditRow[]> {
    const out: AuditRow[] = [];
    for (const row of [...this.rows].sort((a, b) => a.seq - b.seq)) {
      if (row.seq <= query.afterSeq || !matchesQuery(row, query)) continue;
      out.push({ ...row });
      if (out.length >= query.limit) break;
    }
    return out;
  }

  async head(): Promise<AuditHead | undefined> {
    let last: AuditRow | undefined;
    for (const row of this.rows) if (!last || row.seq > last.seq) last = row;
    return last && { seq: last.seq, hash: last.hash };
  }

  async close(): Promise<void> {}
}
