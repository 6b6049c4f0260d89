import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';

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

interface UserRow extends Record<string, unknown> {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  role: 'admin' | 'user';
  created_at: string;
  updated_at: string;
  token_version: number | string;
}

const COLUMNS = 'id, username, email, password_hash, role, created_at, updated_at, token_version';

function toUser(row: UserRow | undefined): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    tokenVersion: Number(row.token_version),
  };
}

/** Users in the shared database. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async findById(id: string): Promise<UserRecord | undefined> {
    return toUser(await this.db.one<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [id]));
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    return toUser(
      await this.db.one<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(username) = lower(?)`, [username]),
    );
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return toUser(
      await this.db.one<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower(?)`, [email]),
    );
  }

  async list(limit: number, offset: number): Promise<UserRecord[]> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return rows.map((row) => toUser(row)!);
  }

  async countAdmins(): Promise<number> {
    const row = await this.db.one<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM users WHERE role = 'admin'`,
    );
    return Number(row?.n ?? 0);
  }

  async insert(user: UserRecord): Promise<void> {
    await this.db.execute(`INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      user.id,
      user.username,
      user.email,
      user.passwordHash,
      user.role,
      user.createdAt,
      user.updatedAt,
      user.tokenVersion,
    ]);
  }

  async update(user: UserRecord): Promise<void> {
    await this.db.execute(
      'UPDATE users SET username = ?, email = ?, password_hash = ?, role = ?, updated_at = ?, token_version = ? ' +
        'WHERE id = ?',
      [user.username, user.email, user.passwordHash, user.role, user.updatedAt, user.tokenVersion, user.id],
    );
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM users WHERE id = ?', [id])) > 0;
  }
}
