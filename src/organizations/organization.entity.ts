import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A row of `organizations`. */
@Entity({ name: 'organizations' })
@Unique('organizations_name_key', ['name'])
export class OrganizationEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'owner_id', type: 'text' })
  ownerId!: string;

  @TimestampColumn('created_at')
  createdAt!: Date;

  @TimestampColumn('updated_at')
  updatedAt!: Date;
}
