import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app.config';
import { dataSourceOptions } from './database.options';

/**
 * The app's database for the TypeORM CLI, from the same environment as the app (`DATA_DIR`, `DATABASE_URL`,
 * `DATABASE_SCHEMA`); after `npm run build`: `npx typeorm migration:show -d dist/database/data-source.js` (or
 * `migration:revert`). The app itself does not use it: it opens the database through `DatabaseModule`.
 */
export default new DataSource(dataSourceOptions(loadAppConfig()));
