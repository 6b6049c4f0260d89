import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';

/** The authenticated user acting in a request (set by `ActorGuard`). */
export interface Actor {
  id: string;
  username: string;
  email: string;
  role: 'admin' | 'user';
}

export const PUBLIC_ROUTE = 'example:public-route';
export const ADMIN_ONLY = 'example:admin-only';

/** The route works without an actor (a valid bearer token still makes its user the actor). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Only users with the `admin` role may call the route; others get 403. */
export const AdminOnly = (): MethodDecorator & ClassDecorator => SetMetadata(ADMIN_ONLY, true);

/** Injects the acting user; undefined on a public route called anonymously. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor | undefined =>
    context.switchToHttp().getRequest<{ actor?: Actor }>().actor,
);
