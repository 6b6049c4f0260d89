import { Column } from 'typeorm';

/**
 * A point in time, as a `Date`: `timestamptz` on PostgreSQL and UTC `datetime` text on SQLite (the migrations
 * create the column with the type of each engine; TypeORM converts `Date` values to and from both).
 */
export function TimestampColumn(name: string, options: { nullable?: boolean } = {}): PropertyDecorator {
  return Column({ name, type: Date, nullable: options.nullable ?? false });
}
