/**
 * The example app's tables. Portable SQL (TEXT ids and ISO timestamps, INTEGER numbers) that both SQLite and
 * PostgreSQL accept; every statement is idempotent, so it runs at each startup.
 */
export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    token_version INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
  )`,
  `CREATE TABLE IF NOT EXISTS invites (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    permission TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    responded_at TEXT
  )`,
  `CREATE INDEX IF NOT EXISTS invites_pending ON invites (status, expires_at)`,
  `CREATE TABLE IF NOT EXISTS tournaments (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    game TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    winner_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    UNIQUE (organization_id, name)
  )`,
  `CREATE TABLE IF NOT EXISTS tournament_participants (
    tournament_id TEXT NOT NULL REFERENCES tournaments(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (tournament_id, user_id)
  )`,
  `CREATE TABLE IF NOT EXISTS races (
    id TEXT PRIMARY KEY,
    tournament_id TEXT NOT NULL REFERENCES tournaments(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    reason TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS matches (
    id TEXT PRIMARY KEY,
    tournament_id TEXT NOT NULL REFERENCES tournaments(id) ON DELETE CASCADE,
    player_a TEXT NOT NULL,
    player_b TEXT NOT NULL,
    scheduled_at TEXT NOT NULL,
    status TEXT NOT NULL,
    winner_id TEXT,
    score TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS activity_summaries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    actor_id TEXT,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS activity_by_correlation ON activity_summaries (correlation_id)`,
  `CREATE TABLE IF NOT EXISTS trace_owners (
    correlation_id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL,
    opened_at TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS email_outbox (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (event_id, template)
  )`,
];

/** A column added after the table's first release: added at startup to databases made before it. */
export interface ColumnUpgrade {
  table: string;
  column: string;
  /** The column definition after `ADD COLUMN <column>` (portable SQL). */
  definition: string;
}

export const COLUMN_UPGRADES: readonly ColumnUpgrade[] = [
  // Access tokens carry the version they were issued for; a password change bumps it (older tokens: 401).
  { table: 'users', column: 'token_version', definition: 'INTEGER NOT NULL DEFAULT 0' },
];
