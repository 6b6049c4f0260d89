import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { TraceModule } from '../trace/trace.module';
import { UsersModule } from '../users/users.module';
import { ActorGuard } from './actor.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { loadTokenSecret } from './token-secret';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, TokenService } from './token.service';

/**
 * Login (`POST /auth/login`) and the global `ActorGuard`. Tokens are HS256 JWTs signed with `JWT_SECRET` or the
 * key generated in the data directory; login and sign-up are rate-limited per client address and route
 * (`ThrottlerGuard` on those two routes only: `AUTH_RATE_LIMIT` attempts per `AUTH_RATE_WINDOW_MS`).
 */
@Module({
  imports: [
    UsersModule,
    TraceModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        secret: loadTokenSecret(config),
        signOptions: {
          algorithm: 'HS256',
          expiresIn: config.tokenTtlSeconds,
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
        },
        verifyOptions: { algorithms: ['HS256'], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      // The one throttler keeps the name 'default', so that a refusal carries the standard Retry-After header.
      useFactory: (config: AppConfig) => [{ limit: config.authRateLimit, ttl: config.authRateWindowMs }],
    }),
  ],
  controllers: [AuthController],
  providers: [TokenService, AuthService, { provide: APP_GUARD, useClass: ActorGuard }],
})
export class AuthModule {}
