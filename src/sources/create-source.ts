import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { createKnex } from '../store/db.js';
import { DatabaseSource } from './database/database-source.js';
import { createHttp } from '../common/http.js';
import { RestClient } from './rest/rest-client.js';
import { RestSource } from './rest/rest-source.js';
import type { FusionpbxSource } from './source.js';

/** The REST client, when the source or the active-call probe talks to the REST app. */
export function createRestClient(config: Config, metrics: Metrics): RestClient | null {
  if (!config.FUSIONPBX_API_URL || !config.FUSIONPBX_API_KEY) return null;
  return new RestClient(
    createHttp({ timeoutMs: config.FUSIONPBX_API_TIMEOUT_MS }),
    {
      url: config.FUSIONPBX_API_URL,
      apiKey: config.FUSIONPBX_API_KEY,
      timeoutMs: config.FUSIONPBX_API_TIMEOUT_MS,
      concurrency: config.FUSIONPBX_API_CONCURRENCY,
      pageSize: config.FUSIONPBX_API_PAGE_SIZE,
      retries: config.FUSIONPBX_API_RETRIES,
    },
    metrics,
  );
}

/** The source FUSIONPBX_SOURCE names. */
export function createSource(config: Config, metrics: Metrics, rest: RestClient | null): FusionpbxSource {
  if (config.FUSIONPBX_SOURCE === 'rest') {
    if (!rest) throw new Error('FUSIONPBX_SOURCE=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
    return new RestSource(rest, config.FUSIONPBX_API_CONCURRENCY, config.FUSIONPBX_REST_LINKS);
  }
  const db = createKnex(config.FUSIONPBX_DATABASE_URL!, { applicationName: 'fusionpbx-sync-reader', readOnly: true, poolMax: 4 });
  return new DatabaseSource(db, metrics);
}
