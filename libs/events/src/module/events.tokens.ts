/** The raw options given to `EventsModule.forRoot()`/`forRootAsync()`. */
export { MODULE_OPTIONS_TOKEN as EVENTS_MODULE_OPTIONS } from './events.module-definition';

/** Internal: tells the bus to hold events until listener discovery completes. */
export { HOLD_UNTIL_READY as EVENTS_HOLD_UNTIL_READY } from '../bus/bus.options';
