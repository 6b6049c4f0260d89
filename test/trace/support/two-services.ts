import {
  Body,
  Controller,
  Injectable,
  Module,
  Post,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import {
  defineEvent,
  EventBusService,
  EventsModule,
  OnEvent,
  TraceService,
  type BusEvent,
} from 'nestjs-event-bus';
import { RedisStreamsTransport, RedisTraceStore } from 'nestjs-event-bus/redis';
import { z } from 'zod';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';

/** Placed by the shop (the API service), taken by billing and shipping (the worker service) over Redis. */
export const OrderPlaced = defineEvent('order.placed', {
  schema: z.object({ orderId: z.string(), amount: z.number(), cardToken: z.string() }),
  distributed: true,
  description: 'A customer placed an order.',
});
/** Emitted by billing in the worker once the card was charged. */
export const PaymentCaptured = defineEvent('payment.captured', {
  schema: z.object({ orderId: z.string(), amount: z.number() }),
});
const DEFINITIONS = [OrderPlaced, PaymentCaptured];

/** The one reader the test guard lets through. */
export const READER = 'trace-reader';

/** Lets through requests that say `x-reader: trace-reader`: enough to prove the guard is in front. */
@Injectable()
export class ReaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return (
      context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-reader'] === READER
    );
  }
}

@Controller('orders')
class OrdersController {
  constructor(private readonly bus: EventBusService) {}

  @Post()
  place(@Body() body: { orderId: string }): { ok: true } {
    this.bus.emit(OrderPlaced, { orderId: body.orderId, amount: 42, cardToken: 'tok_live_secret_4242' });
    return { ok: true };
  }
}

/** Runs in the API process, where the order is placed (`local`). */
@Injectable()
class OrderLog {
  @OnEvent(OrderPlaced, { local: true })
  remember(): void {}
}

/** The worker's handlers: billing fails once then charges; shipping always fails (its dead letter). */
@Injectable()
class Billing {
  private readonly tries = new Map<string, number>();
  constructor(private readonly bus: EventBusService) {}

  @OnEvent(OrderPlaced, { retry: { attempts: 2, backoffMs: 20, jitter: 0 } })
  async charge(event: BusEvent<{ orderId: string; amount: number }>): Promise<void> {
    const tries = (this.tries.get(event.id) ?? 0) + 1;
    this.tries.set(event.id, tries);
    await new Promise((resolve) => setTimeout(resolve, 15));
    if (tries === 1) throw new Error('card network timeout');
    this.bus.emit(PaymentCaptured, { orderId: event.data.orderId, amount: event.data.amount });
  }
}

@Injectable()
class Shipping {
  @OnEvent(OrderPlaced, { retry: { attempts: 2, backoffMs: 10, jitter: 0 } })
  async reserve(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('no stock in any warehouse');
  }
}

@Injectable()
class Mailer {
  @OnEvent(PaymentCaptured)
  async receipt(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 8));
  }
}

/** Two services of one app over the shared Redis, each with a prefix of the test's own. */
export interface TwoServices {
  api: INestApplication;
  worker: INestApplicationContext;
  url: string;
  traces: TraceService;
  prefix: string;
  /** Places an order over HTTP; resolves with the request's correlation id. */
  placeOrder(orderId: string): Promise<string>;
  close(): Promise<void>;
}

function eventsFor(source: 'shop-api' | 'shop-worker', prefix: string, controller: boolean) {
  return EventsModule.forRoot({
    source,
    definitions: DEFINITIONS,
    transport: new RedisStreamsTransport({
      connection: SHARED_REDIS_URL,
      prefix,
      blockMs: 100,
      claimIntervalMs: 100,
      redelivery: { attempts: 1 },
    }),
    history: { maxEvents: 1000, debug: true },
    trace: {
      store: new RedisTraceStore({ connection: SHARED_REDIS_URL, prefix }),
      flushMs: 10,
      controller: controller ? { guard: ReaderGuard } : undefined,
    },
    asyncapi: controller ? { info: { title: 'Shop API', version: '2.1.0' } } : undefined,
  });
}

/** Starts the shop's API (HTTP, with the trace controller) and its worker, sharing Redis. */
export async function startTwoServices(): Promise<TwoServices> {
  const prefix = uniquePrefix('trace');

  @Module({
    imports: [eventsFor('shop-api', prefix, true)],
    controllers: [OrdersController],
    providers: [OrderLog],
  })
  class ApiModule {}

  @Module({ imports: [eventsFor('shop-worker', prefix, false)], providers: [Billing, Shipping, Mailer] })
  class WorkerModule {}

  const worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  const api = await NestFactory.create(ApiModule, new ExpressAdapter(), { logger: false });
  await api.listen(0, '127.0.0.1');
  const url = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    api,
    worker,
    url,
    prefix,
    traces: api.get(TraceService),
    async placeOrder(orderId) {
      const response = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderId }),
      });
      if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}`);
      return response.headers.get('x-correlation-id')!;
    },
    async close() {
      await Promise.allSettled([api.close(), worker.close()]);
      await deletePrefix(prefix);
    },
  };
}
