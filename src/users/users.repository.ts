import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { UserEntity } from './user.entity';

/** A stored user (the password hash never leaves the repository and the auth code). */
export interface UserRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  role: 'admin' | 'user';
  createdAt: string;
  updatedAt: string;
  /** Goes up with every password change; access tokens of an older version are refused. */
  tokenVersion: number;
}

function toUser(row: UserEntity | null): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.passwordHash,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    tokenVersion: row.tokenVersion,
  };
}

function toRow(user: UserRecord): UserEntity {
  return {
    ...user,
    createdAt: new Date(user.createdAt),
    updatedAt: new Date(user.updatedAt),
  };
}

/** Users, in the current transaction when there is one. */
@Injectable()
export class UsersRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get users(): Repository<UserEntity> {
    return this.txHost.tx.getRepository(UserEntity);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    return toUser(await this.users.findOneBy({ id }));
  }

  /** Usernames are unique whatever their case. */
  async findByUsername(username: string): Promise<UserRecord | undefined> {
    return toUser(
      await this.users
        .createQueryBuilder('u')
        .where('lower(u.username) = lower(:username)', { username })
        .getOne(),
    );
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return toUser(
      await this.users.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne(),
    );
  }

  async list(limit: number, offset: number): Promise<UserRecord[]> {
    const rows = await this.users.find({ order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset });
    return rows.map((row) => toUser(row)!);
  }

  countAdmins(): Promise<number> {
    return this.users.countBy({ role: 'admin' });
  }

  /** Throws a unique violation (answered 409) when the username or email is taken. */
  async insert(user: UserRecord): Promise<void> {
    await this.users.insert(toRow(user));
  }

  async update(user: UserRecord): Promise<void> {
    await this.users.update(
      { id: user.id },
      {
        username: user.username,
        email: user.email,
        passwordHash: user.passwordHash,
        role: user.role,
        updatedAt: new Date(user.updatedAt),
        tokenVersion: user.tokenVersion,
      },
    );
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.users.delete({ id })).affected ?? 0) > 0;
  }
}
