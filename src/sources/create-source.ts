import type { PartSettings, RestSettings } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { createKnex } from '../common/postgres.js';
import { DatabaseSource } from './database/database-source.js';
import { createHttp } from '../common/http.js';
import { RestClient } from './rest/rest-client.js';
import { RestSource } from './rest/rest-source.js';
import type { FusionpbxSource } from './source.js';

/** The REST client, when the source or the active-call probe talks to the REST app. */
export function createRestClient(settings: RestSettings | null, metrics: Metrics): RestClient | null {
  return settings ? new RestClient(createHttp({ timeoutMs: settings.timeoutMs }), settings, metrics) : null;
}

/** The source FUSIONPBX_SOURCE names. */
export function createSource(settings: NonNullable<PartSettings['source']>, metrics: Metrics, rest: { client: RestClient | null; settings: RestSettings | null }): FusionpbxSource {
  if (settings.kind === 'database') return new DatabaseSource(createKnex(settings.url, { applicationName: 'fusionpbx-sync-reader', readOnly: true, poolMax: 4 }), metrics);
  if (!rest.client || !rest.settings) throw new Error('FUSIONPBX_SOURCE=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
  return new RestSource(rest.client, rest.settings.concurrency, rest.settings.links);
}
