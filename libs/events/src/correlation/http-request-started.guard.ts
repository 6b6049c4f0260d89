import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { EventBusService } from '../bus/event-bus.service';
import { HttpRequestStarted } from './http-request.events';
import { routePattern, type PlatformRequest } from './http-route';

/**
 * Internal, a global guard only with `correlation.httpEvents: { started: true }`: emits `http.request.started`
 * once the route is known, before the route's own guards, pipes and handler. A guard because it is the first
 * place Nest offers after routing, for Express and Fastify alike. Always lets the request through.
 */
@Injectable()
export class HttpRequestStartedGuard implements CanActivate {
  constructor(private readonly bus: EventBusService) {}

  canActivate(context: ExecutionContext): boolean {
    // A request still running when the app closed is not reported: the bus refuses events then.
    if (context.getType() === 'http' && !this.bus.isClosed()) {
      // The argument directly: switchToHttp() builds a new accessor object on every call.
      const request = context.getArgByIndex<PlatformRequest>(0);
      this.bus.emit(HttpRequestStarted, {
        method: request.method ?? 'UNKNOWN',
        route: routePattern(request) ?? '(unknown)',
      });
    }
    return true;
  }
}
