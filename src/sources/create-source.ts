import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { createKnex } from '../store/db.js';
import { DatabaseSource } from './database/database-source.js';
import type { FusionpbxSource } from './source.js';

/** The source FUSIONPBX_SOURCE names. */
export function createSource(config: Config, metrics: Metrics): FusionpbxSource {
  if (config.FUSIONPBX_SOURCE === 'database') {
    const db = createKnex(config.FUSIONPBX_DATABASE_URL!, { applicationName: 'fusionpbx-sync-reader', readOnly: true, poolMax: 4 });
    return new DatabaseSource(db, metrics);
  }
  throw new Error('FUSIONPBX_SOURCE=rest is not built yet');
}
