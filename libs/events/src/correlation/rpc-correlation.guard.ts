import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ClsService, ContextClsStoreMap } from 'nestjs-cls';
import { CORRELATION_ID_KEY, type EventContextStore } from '../context/context.keys';
import { CorrelationIdSource } from './correlation-id.source';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';
import { correlationIdFromMessage } from './rpc-correlation';

/**
 * Internal: opens the context of a microservice message with the id it carries (transport headers or a
 * `correlationId` payload field), else a generated one; like nestjs-cls' `ClsGuard` it enters it for the rest of
 * the handling. Never global: `CorrelationModule` puts it first among the class guards of each controller that has
 * `@MessagePattern()`/`@EventPattern()` handlers, so HTTP requests never pass through it. Always lets the message
 * through.
 */
@Injectable()
export class RpcCorrelationGuard implements CanActivate {
  private readonly headers: readonly string[];

  constructor(
    private readonly cls: ClsService,
    private readonly source: CorrelationIdSource,
    @Inject(CORRELATION_OPTIONS) options: ResolvedCorrelationOptions,
  ) {
    this.headers = options.headers;
  }

  canActivate(context: ExecutionContext): boolean {
    // A controller may mix HTTP routes with its message handlers: those pass untouched.
    if (context.getType() === 'rpc') this.enterMessageContext(context);
    return true;
  }

  private enterMessageContext(context: ExecutionContext): void {
    const active = this.cls.get() as EventContextStore | undefined;
    const filed = ContextClsStoreMap.get(context) as EventContextStore | undefined;
    if (active !== undefined && filed === active) {
      // The app's own ClsGuard opened this message's context already: add the id to it.
      if (active[CORRELATION_ID_KEY] === undefined) active[CORRELATION_ID_KEY] = this.idOfMessage(context);
      return;
    }
    const store: EventContextStore = filed ?? {};
    if (store[CORRELATION_ID_KEY] === undefined) store[CORRELATION_ID_KEY] = this.idOfMessage(context);
    if (filed === undefined) ContextClsStoreMap.set(context, store);
    this.cls.enterWith(store as never);
  }

  private idOfMessage(context: ExecutionContext): string {
    const rpc = context.switchToRpc();
    return correlationIdFromMessage(rpc.getData(), rpc.getContext(), this.headers) ?? this.source.generate();
  }
}
