import {
  Table,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
  type TableForeignKeyOptions,
} from 'typeorm';
import { engineTypes } from './engine-types';

/** An id or other text column, NOT NULL unless said. */
function text(name: string, nullable = false): TableColumnOptions {
  return { name, type: 'text', isNullable: nullable };
}

/** A text primary key (a UUID the app makes). */
function id(table: string, name = 'id'): TableColumnOptions {
  return { name, type: 'text', isPrimary: true, primaryKeyConstraintName: `${table}_pkey` };
}

/** A foreign key to `table(id)` that goes when its row goes. */
function cascade(from: string, column: string, table: string): TableForeignKeyOptions {
  return {
    name: `${from}_${column}_fkey`,
    columnNames: [column],
    referencedTableName: table,
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
  };
}

/**
 * The app's first schema: users, organizations and their members, invites, tournaments with participants, races
 * and matches, the activity log, trace owners and the email outbox. A table that is already there is left as it is
 * (a database made by the app's earlier hand-written DDL; the next migration brings those up to date).
 */
export class CreateAppTables1767225600000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = engineTypes(queryRunner);
    const at = (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: timestamp,
      isNullable: nullable,
    });
    const tables = [
      new Table({
        name: 'users',
        columns: [
          id('users'),
          text('username'),
          text('email'),
          text('password_hash'),
          text('role'),
          at('created_at'),
          at('updated_at'),
          { name: 'token_version', type: 'integer', default: 0 },
        ],
        uniques: [
          { name: 'users_username_key', columnNames: ['username'] },
          { name: 'users_email_key', columnNames: ['email'] },
        ],
      }),
      new Table({
        name: 'organizations',
        columns: [
          id('organizations'),
          text('name'),
          text('description'),
          text('owner_id'),
          at('created_at'),
          at('updated_at'),
        ],
        uniques: [{ name: 'organizations_name_key', columnNames: ['name'] }],
      }),
      new Table({
        name: 'organization_members',
        columns: [
          id('organization_members', 'organization_id'),
          id('organization_members', 'user_id'),
          text('permission'),
          at('joined_at'),
        ],
        foreignKeys: [
          cascade('organization_members', 'organization_id', 'organizations'),
          cascade('organization_members', 'user_id', 'users'),
        ],
        indices: [{ name: 'organization_members_by_user', columnNames: ['user_id'] }],
      }),
      new Table({
        name: 'invites',
        columns: [
          id('invites'),
          text('organization_id'),
          text('email'),
          text('permission'),
          text('invited_by'),
          text('status'),
          at('created_at'),
          at('expires_at'),
          at('responded_at', true),
        ],
        foreignKeys: [cascade('invites', 'organization_id', 'organizations')],
        indices: [
          { name: 'invites_pending', columnNames: ['status', 'expires_at'] },
          { name: 'invites_by_email', columnNames: ['email'] },
          { name: 'invites_by_organization', columnNames: ['organization_id'] },
        ],
      }),
      new Table({
        name: 'tournaments',
        columns: [
          id('tournaments'),
          text('organization_id'),
          text('name'),
          text('game'),
          text('status'),
          text('created_by'),
          text('winner_id', true),
          at('created_at'),
          at('updated_at'),
          at('started_at', true),
          at('ended_at', true),
        ],
        uniques: [{ name: 'tournaments_organization_id_name_key', columnNames: ['organization_id', 'name'] }],
        foreignKeys: [cascade('tournaments', 'organization_id', 'organizations')],
      }),
      new Table({
        name: 'tournament_participants',
        columns: [
          id('tournament_participants', 'tournament_id'),
          id('tournament_participants', 'user_id'),
          at('joined_at'),
        ],
        foreignKeys: [
          cascade('tournament_participants', 'tournament_id', 'tournaments'),
          cascade('tournament_participants', 'user_id', 'users'),
        ],
        indices: [{ name: 'tournament_participants_by_user', columnNames: ['user_id'] }],
      }),
      new Table({
        name: 'races',
        columns: [
          id('races'),
          text('tournament_id'),
          text('user_id'),
          { name: 'time_ms', type: 'integer' },
          text('status'),
          at('submitted_at'),
          text('reviewed_by', true),
          at('reviewed_at', true),
          text('reason', true),
        ],
        foreignKeys: [cascade('races', 'tournament_id', 'tournaments')],
        indices: [{ name: 'races_by_tournament', columnNames: ['tournament_id'] }],
      }),
      new Table({
        name: 'matches',
        columns: [
          id('matches'),
          text('tournament_id'),
          text('player_a'),
          text('player_b'),
          at('scheduled_at'),
          text('status'),
          text('winner_id', true),
          text('score', true),
        ],
        foreignKeys: [cascade('matches', 'tournament_id', 'tournaments')],
        indices: [{ name: 'matches_by_tournament', columnNames: ['tournament_id'] }],
      }),
      new Table({
        name: 'activity_summaries',
        columns: [
          id('activity_summaries'),
          text('event_id'),
          text('event_type'),
          text('correlation_id'),
          text('actor_id', true),
          text('summary'),
          at('created_at'),
        ],
        uniques: [{ name: 'activity_summaries_event_id_key', columnNames: ['event_id'] }],
        indices: [{ name: 'activity_by_correlation', columnNames: ['correlation_id'] }],
      }),
      new Table({
        name: 'trace_owners',
        columns: [id('trace_owners', 'correlation_id'), text('actor_id'), at('opened_at')],
      }),
      new Table({
        name: 'email_outbox',
        columns: [
          id('email_outbox'),
          text('event_id'),
          text('template'),
          text('recipient'),
          text('subject'),
          text('body'),
          at('created_at'),
        ],
        uniques: [{ name: 'email_outbox_event_id_template_key', columnNames: ['event_id', 'template'] }],
        indices: [{ name: 'email_outbox_by_recipient', columnNames: ['recipient'] }],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'email_outbox',
      'trace_owners',
      'activity_summaries',
      'matches',
      'races',
      'tournament_participants',
      'tournaments',
      'invites',
      'organization_members',
      'organizations',
      'users',
    ]) {
      await queryRunner.dropTable(table, true);
    }
  }
}
