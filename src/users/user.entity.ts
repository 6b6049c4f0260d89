import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A row of `users`. */
@Entity({ name: 'users' })
@Unique('users_username_key', ['username'])
@Unique('users_email_key', ['email'])
export class UserEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text' })
  role!: 'admin' | 'user';

  @TimestampColumn('created_at')
  createdAt!: Date;

  @TimestampColumn('updated_at')
  updatedAt!: Date;

  /** Goes up with every password change; access tokens of an older version are refused. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;
}
