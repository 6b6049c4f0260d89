// The audit trail's public surface (re-exported by the package index).
export { AuditService } from './audit.service';
export { AUDIT_STORE } from './audit.interfaces';
export type {
  AuditAppendOptions,
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
export type { AuditControllerOptions, AuditOptions } from './audit.options';
export type { AuditWriterStats } from './audit-writer';
export { SqliteAuditStore, type SqliteAuditStoreOptions } from './stores/sqlite-audit.store';
export { PostgresAuditStore, type PostgresAuditStoreOptions } from './stores/postgres-audit.store';
export { MemoryAuditStore } from './stores/memory-audit.store';
export { chainEntries, GENESIS_HASH, type AuditChainKey } from './audit-chain';
export type { AuditChainKeyOptions, AuditCheckpointOptions } from './integrity.options';
export type { AuditCheckpoint, CheckpointSink } from './checkpoint';
export { FileCheckpointSink, LoggerCheckpointSink } from './checkpoint-sinks';
export type { VerifyOptions } from './audit-verify';
export { canonicalJson } from '../event/json/canonical-json';
