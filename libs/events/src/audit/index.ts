// The audit trail's public surface (re-exported by the package index).
export { AuditService } from './audit.service';
export { AUDIT_STORE } from './audit.interfaces';
export type {
  AuditEntry,
  AuditHead,
  AuditPage,
  AuditQuery,
  AuditRecord,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  AuditVerification,
} from './audit.interfaces';
export type { AuditControllerOptions, AuditOptions } from './audit-options';
export type { AuditWriterStats } from './audit-writer';
export { SqliteAuditStore, type SqliteAuditStoreOptions } from './sqlite-audit.store';
export { PostgresAuditStore, type PostgresAuditStoreOptions } from './postgres-audit.store';
export { MemoryAuditStore } from './memory-audit.store';
export { chainEntries, GENESIS_HASH } from './audit-chain';
export { canonicalJson, CanonicalJsonError } from '../event/json/canonical-json';
export { DEFAULT_REDACTED_KEYS, DEFAULT_REDACTION_MARKER } from '../event/key-redactor';
export { AuditDisabledError, AuditStoreError, AuditWriteError } from './audit.errors';
export { AuditQueryError } from './audit-query';
