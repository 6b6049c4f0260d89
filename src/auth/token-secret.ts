import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app.config';

/** The file under `DATA_DIR` that keeps the generated signing key. */
export const TOKEN_SECRET_FILE = 'jwt-secret';
const MIN_LENGTH = 32;

/**
 * The key that signs access tokens: `JWT_SECRET` when set, else the one kept in `DATA_DIR/jwt-secret`, generated
 * (48 random bytes, file mode 0600) on the first start so that `npm start` needs no setup and tokens survive
 * restarts. Throws with what to do when either is unusable.
 */
export function loadTokenSecret(config: AppConfig): string {
  if (config.jwtSecret !== undefined) {
    if (config.jwtSecret.length < MIN_LENGTH) {
      throw new Error(
        `JWT_SECRET must be at least ${MIN_LENGTH} characters (for example: openssl rand -base64 48).`,
      );
    }
    return config.jwtSecret;
  }
  const path = join(config.dataDir, TOKEN_SECRET_FILE);
  if (createOnce(config.dataDir, path)) {
    new Logger('Auth').log(`Generated the access token signing key in ${path} (or set JWT_SECRET).`);
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < MIN_LENGTH) {
    throw new Error(
      `${path} holds no usable key (at least ${MIN_LENGTH} characters). Delete it to have a new one made ` +
        '(every token issued so far then stops working), or set JWT_SECRET.',
    );
  }
  return secret;
}

/**
 * Writes a new key to `path` unless a file is there; true when this call made it. Written to a private temporary
 * file first and linked into place, so two instances starting together never read a half-written key.
 */
function createOnce(dir: string, path: string): boolean {
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
