import type { EventsModuleOptions } from './events-module.options';

/**
 * What a class given to `EventsModule.forRootAsync({ useClass })` (or `useExisting`) implements: Nest calls its
 * `createEventsOptions()` once at startup, with the class's own dependencies injected.
 *
 * @example
 * \@Injectable()
 * export class EventsConfig implements EventsOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createEventsOptions(): EventsModuleOptions {
 *     return { source: this.config.get('SERVICE_NAME') };
 *   }
 * }
 */
export interface EventsOptionsFactory {
  createEventsOptions(): EventsModuleOptions | Promise<EventsModuleOptions>;
}
