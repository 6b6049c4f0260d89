import type { DynamicModule, LoggerService } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { startHttpApp, type RunningApp } from '../../correlation/support/http-app';

/** A bridge app listening on real HTTP, with its bus and an EventRecorder attached before it started. */
export interface StartedBridgeApp extends RunningApp {
  bus: EventBusService;
  events: EventRecorder;
}

/** Boots `root` on express, listening on 127.0.0.1 with a free port. */
export async function startBridgeApp(
  root: DynamicModule,
  logger: LoggerService | false = false,
): Promise<StartedBridgeApp> {
  let events!: EventRecorder;
  const { app, url } = await startHttpApp(
    'express',
    root,
    (created) => {
      events = EventRecorder.attach(created);
    },
    logger,
  );
  return { app, url, bus: app.get(EventBusService), events };
}

/** POSTs `body` as JSON with the given x-correlation-id. */
export function post(url: string, body: unknown, correlationId: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
    body: JSON.stringify(body),
  });
}
