// A Nest Express app with one trivial route, run in its own process so the load generator does not share its
// event loop. argv[2]: 'bare' (no EventsModule), 'events' (EventsModule.forRoot({ metrics: {} }): defaults plus
// metrics) or 'events-no-correlation' (the same with `correlation: false`, to split the module's cost).
// With '--no-timeouts' (for a server under valgrind) its keep-alive, header and request timeouts are off.
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventsModule } from 'nestjs-event-bus';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const imports = {
    bare: [],
    events: [EventsModule.forRoot({ metrics: {} })],
    'events-no-correlation': [EventsModule.forRoot({ metrics: {}, correlation: false })],
  }[mode];
  if (!imports) throw new Error(`Unknown mode "${mode}" (bare, events or events-no-correlation).`);

  @Module({ imports, controllers: [PingController] })
  class HttpBenchModule {}

  const app = await NestFactory.create(HttpBenchModule, { logger: false });
  const server = app.getHttpServer() as Server;
  if (process.argv.includes('--no-timeouts')) {
    server.keepAliveTimeout = 0;
    server.headersTimeout = 0;
    server.requestTimeout = 0;
  }
  await app.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  process.on('message', (message) => {
    if (message === 'close') void app.close().then(() => process.exit(0));
  });
  process.send!({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
