import { describeRelayOn } from './support/relay-scenarios';
import { sqliteBackend } from './support/sqlite-backend';

describe('OutboxRelay on SQLite (real files, two connections)', () => {
  describeRelayOn(sqliteBackend);
});
