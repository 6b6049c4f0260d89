import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '../config/app.config';

/** What `POST /auth/login` answers. */
export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
}

/** A token that checked out: whose it is and which password version it was issued for. */
export interface VerifiedToken {
  userId: string;
  tokenVersion: number;
}

/** Why a token was refused. */
export type TokenProblem = 'invalid' | 'expired';

/** `iss` and `aud` of every token (JWT, HS256); verification requires both. */
export const TOKEN_ISSUER = 'nestjs-event-bus-example';
export const TOKEN_AUDIENCE = 'nestjs-event-bus-example-api';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 4096;

/**
 * Issues and verifies access tokens. A token says who (`sub`) and for which token version (`ver`, bumped by a
 * password change); everything else about the user (role, whether they still exist) is read from the database on
 * every request, so a role change applies at once.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(user: { id: string; tokenVersion: number }): Promise<IssuedToken> {
    const accessToken = await this.jwt.signAsync({ ver: user.tokenVersion }, { subject: user.id });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.tokenTtlSeconds };
  }

  async verify(token: string): Promise<VerifiedToken | TokenProblem> {
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return 'invalid';
    let claims: { sub?: unknown; ver?: unknown };
    try {
      claims = await this.jwt.verifyAsync<{ sub?: unknown; ver?: unknown }>(token);
    } catch (error) {
      return (error as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid';
    }
    const { sub, ver } = claims;
    if (typeof sub !== 'string' || sub === '' || !Number.isSafeInteger(ver)) return 'invalid';
    return { userId: sub, tokenVersion: ver as number };
  }
}
