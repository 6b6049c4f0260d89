import {
  CommandExecutionCompleted,
  CommandExecutionFailed,
  CommandExecutionStarted,
  HandlerFailed,
  HttpRequestCompleted,
  HttpRequestFailed,
  HttpRequestStarted,
  SystemShutdown,
  SystemStartup,
  TraceViewed,
  type EventDefinition,
} from 'nestjs-event-bus';
import { AUDIT_LOG_EVENTS } from '../audit-log/audit-log.events';
import { AUTH_EVENTS } from '../auth/auth.events';
import { API_EVENTS } from '../common/api.events';
import { DATABASE_EVENTS } from '../database/database.events';
import { INVITE_EVENTS } from '../invites/invites.events';
import { NOTIFICATION_EVENTS } from '../notifications/notifications.events';
import { ORGANIZATION_EVENTS } from '../organizations/organizations.events';
import { TOURNAMENT_EVENTS } from '../tournaments/tournaments.events';
import { USER_EVENTS } from '../users/users.events';

/** Event types the app's own modules define (each file `src/<module>/<module>.events.ts`). */
export const APP_EVENT_DEFINITIONS: readonly EventDefinition<unknown, unknown>[] = [
  ...USER_EVENTS,
  ...AUTH_EVENTS,
  ...ORGANIZATION_EVENTS,
  ...INVITE_EVENTS,
  ...TOURNAMENT_EVENTS,
  ...NOTIFICATION_EVENTS,
  ...AUDIT_LOG_EVENTS,
  ...DATABASE_EVENTS,
  ...API_EVENTS,
] as readonly EventDefinition<unknown, unknown>[];

/**
 * Event types the plugin emits for the app: lifecycle, handler failures, HTTP requests and the
 * `command.execution.*` events of the CQRS bridge (`bridges.cqrs.commands`), and each read of a story through the
 * trace controller.
 */
export const PLUGIN_EVENT_DEFINITIONS: readonly EventDefinition<unknown, unknown>[] = [
  SystemStartup,
  SystemShutdown,
  HandlerFailed,
  HttpRequestStarted,
  HttpRequestCompleted,
  HttpRequestFailed,
  CommandExecutionStarted,
  CommandExecutionCompleted,
  CommandExecutionFailed,
  TraceViewed,
] as readonly EventDefinition<unknown, unknown>[];

/** Every event type the example app emits. */
export const ALL_EVENT_TYPES: readonly string[] = [
  ...APP_EVENT_DEFINITIONS.map((d) => d.type),
  ...PLUGIN_EVENT_DEFINITIONS.map((d) => d.type),
];
