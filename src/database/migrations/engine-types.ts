import type { QueryRunner } from 'typeorm';

/**
 * Column types the engines spell differently, for migrations written with the `Table` API so that one migration
 * serves both. Everything else (`text`, `integer`) is spelled the same.
 */
export function engineTypes(queryRunner: QueryRunner): { timestamp: string } {
  const postgres = queryRunner.connection.driver.options.type === 'postgres';
  return { timestamp: postgres ? 'timestamptz' : 'datetime' };
}

/** Whether the migration runs on PostgreSQL (else SQLite). */
export function onPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}
