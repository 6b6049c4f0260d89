import { probePostgres } from './postgres';

/** Jest globalSetup: probes PostgreSQL once for the whole run (see {@link probePostgres}). */
export default probePostgres;
