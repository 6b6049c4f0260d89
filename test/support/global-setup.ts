import { probePostgres } from './postgres';
import { ensureSharedRedis } from './redis-prefix';

/** Jest globalSetup: probes PostgreSQL once for the whole run, and makes sure the shared Redis is up. */
export default async function globalSetup(): Promise<void> {
  await ensureSharedRedis();
  await probePostgres();
}
