import { CreateAppTables1767225600000 } from './1767225600000-create-app-tables';
import { AdoptLegacySchema1767225600001 } from './1767225600001-adopt-legacy-schema';

/**
 * Every migration of the app, oldest first; those a database has not had yet run when the app starts. To change the
 * schema, add a migration (see docs/example-app.md) and list it here; never edit one that has been released.
 */
export const APP_MIGRATIONS = [CreateAppTables1767225600000, AdoptLegacySchema1767225600001];
