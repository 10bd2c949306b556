import type { PartSettings, RestSettings } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { createKnex } from '../common/postgres.js';
import { DatabaseSource } from './database/database-source.js';
import type { RestClient } from './rest/rest-client.js';
import type { FusionpbxSource } from './source.js';

/**
 * The REST client, when the source or the active-call probe talks to the REST app. Loaded only
 * then (axios and the REST modules are a tenth of a CLI start otherwise).
 */
export async function createRestClient(settings: RestSettings | null, metrics: Metrics): Promise<RestClient | null> {
  if (!settings) return null;
  const [{ createHttp }, { RestClient }] = await Promise.all([import('../common/http.js'), import('./rest/rest-client.js')]);
  return new RestClient(createHttp({ timeoutMs: settings.timeoutMs }), settings, metrics);
}

/** The source FUSIONPBX_SOURCE names. */
export async function createSource(settings: NonNullable<PartSettings['source']>, metrics: Metrics, rest: { client: RestClient | null; settings: RestSettings | null }): Promise<FusionpbxSource> {
  if (settings.kind === 'database') return new DatabaseSource(createKnex(settings.url, { applicationName: 'fusionpbx-sync-reader', readOnly: true, poolMax: 4 }), metrics);
  if (!rest.client || !rest.settings) throw new Error('FUSIONPBX_SOURCE=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
  const { RestSource } = await import('./rest/rest-source.js');
  return new RestSource(rest.client, rest.settings.concurrency, rest.settings.links);
}
