import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Where the browsable API lives; the OpenAPI document itself is at `/docs-json`. */
export const OPENAPI_PATH = 'docs';

/**
 * Serves the OpenAPI document of every route at `/docs-json` and Swagger UI at `/docs`, with bearer
 * authentication: log in with `POST /auth/login`, paste the `accessToken` into "Authorize", and try any route from
 * the browser. Request bodies are described from the same zod schemas that validate them (`ZodBody`).
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-event-bus example app')
    .setDescription(
      'Users, organizations, invites and tournaments on one event bus. Sign up with POST /users, log in with ' +
        'POST /auth/login, then "Authorize" with the accessToken. GET /events/trace/{correlationId} tells the ' +
        'story of one of your requests (its id is in the x-correlation-id response header).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    swaggerOptions: { persistAuthorization: true },
  });
}
