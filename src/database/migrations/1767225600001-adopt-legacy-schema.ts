import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { onPostgres } from './engine-types';

/** The time columns of each table, which the hand-written DDL made TEXT (ISO-8601 strings). */
const TIME_COLUMNS: Record<string, readonly string[]> = {
  users: ['created_at', 'updated_at'],
  organizations: ['created_at', 'updated_at'],
  organization_members: ['joined_at'],
  invites: ['created_at', 'expires_at', 'responded_at'],
  tournaments: ['created_at', 'updated_at', 'started_at', 'ended_at'],
  tournament_participants: ['joined_at'],
  races: ['submitted_at', 'reviewed_at'],
  matches: ['scheduled_at'],
  activity_summaries: ['created_at'],
  trace_owners: ['opened_at'],
  email_outbox: ['created_at'],
};

/** Indexes the first migration makes that the hand-written DDL did not have. */
const NEW_INDEXES: readonly { table: string; name: string; columns: string[] }[] = [
  { table: 'organization_members', name: 'organization_members_by_user', columns: ['user_id'] },
  { table: 'invites', name: 'invites_by_email', columns: ['email'] },
  { table: 'invites', name: 'invites_by_organization', columns: ['organization_id'] },
  { table: 'tournament_participants', name: 'tournament_participants_by_user', columns: ['user_id'] },
  { table: 'races', name: 'races_by_tournament', columns: ['tournament_id'] },
  { table: 'matches', name: 'matches_by_tournament', columns: ['tournament_id'] },
  { table: 'email_outbox', name: 'email_outbox_by_recipient', columns: ['recipient'] },
];

/**
 * Brings a database made by the app's earlier hand-written DDL (before migrations) up to the first migration's
 * schema, keeping its rows: time columns become `timestamptz` on PostgreSQL and, on SQLite, their ISO-8601 text is
 * rewritten in the form TypeORM writes (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), so that old and new rows compare and sort
 * alike; `users.token_version` is added where it is missing; the newer indexes are added. On a database the first
 * migration made, it does nothing.
 */
export class AdoptLegacySchema1767225600001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const users = await queryRunner.getTable('users');
    if (users?.findColumnByName('created_at')?.type.toLowerCase() !== 'text') return;
    if (!users.findColumnByName('token_version')) {
      await queryRunner.addColumn(
        'users',
        new TableColumn({ name: 'token_version', type: 'integer', default: 0 }),
      );
    }
    for (const [table, columns] of Object.entries(TIME_COLUMNS)) {
      if (onPostgres(queryRunner)) await this.retypeOnPostgres(queryRunner, table, columns);
      else await this.rewriteOnSqlite(queryRunner, table, columns);
    }
    for (const index of NEW_INDEXES) {
      const table = await queryRunner.getTable(index.table);
      if (table && !table.indices.some((existing) => existing.name === index.name)) {
        await queryRunner.createIndex(
          table,
          new TableIndex({ name: index.name, columnNames: index.columns }),
        );
      }
    }
  }

  /** Nothing to undo: a database it converted keeps its converted columns. */
  async down(): Promise<void> {}

  private async retypeOnPostgres(queryRunner: QueryRunner, table: string, columns: readonly string[]) {
    const changes = columns.map((c) => `ALTER COLUMN "${c}" TYPE timestamptz USING "${c}"::timestamptz`);
    await queryRunner.query(`ALTER TABLE ${this.path(queryRunner, table)} ${changes.join(', ')}`);
  }

  private async rewriteOnSqlite(queryRunner: QueryRunner, table: string, columns: readonly string[]) {
    for (const c of columns) {
      await queryRunner.query(
        `UPDATE "${table}" SET "${c}" = strftime('%Y-%m-%d %H:%M:%f', "${c}") WHERE "${c}" LIKE '____-__-__T%'`,
      );
    }
  }

  /** The table's name, in the schema of the `DataSource` when it has one. */
  private path(queryRunner: QueryRunner, table: string): string {
    const schema = (queryRunner.connection.options as { schema?: string }).schema;
    return schema ? `"${schema}"."${table}"` : `"${table}"`;
  }
}
