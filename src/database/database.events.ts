import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

/** The app's database is reachable and its schema is in place. */
export const DatabaseReady = defineEvent('system.database.ready', {
  schema: z.object({
    dialect: z.enum(['sqlite', 'postgres']),
    location: z.string(),
    tables: z.number().int(),
  }),
  description: 'The application database is open and its schema was created or found up to date.',
});

export const DATABASE_EVENTS = [DatabaseReady] as const;
