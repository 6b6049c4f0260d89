import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ZodBody } from '../common/zod-body.pipe';
import { LoginBody } from '../users/users.schemas';
import { Public } from './actor';
import { AuthService, type LoginResult } from './auth.service';

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * Exchanges a username and password for an access token: send it as `Authorization: Bearer <token>`. Public
   * and rate-limited per client address (429 with `Retry-After` beyond the limit); 401 for a wrong pair.
   */
  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  login(@ZodBody(LoginBody) body: LoginBody): Promise<LoginResult> {
    return this.auth.login(body.username, body.password);
  }
}
