import { createHttp } from '../common/http.js';
import type { PartSettings } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type { RestClient } from '../sources/rest/rest-client.js';
import type { ActiveCallProbe } from './active-call-probe.js';
import { EslProbe } from './esl/esl-probe.js';
import { RestCallProbe } from './rest-call-probe.js';
import { XmlRpcProbe } from './xmlrpc-probe.js';

/** The probe ACTIVE_CALLS names. */
export function createProbe(settings: NonNullable<PartSettings['probe']>, timeoutMs: number, metrics: Metrics, rest: RestClient | null): ActiveCallProbe {
  if (settings.kind === 'esl') return new EslProbe({ nodes: settings.nodes, password: settings.password, timeoutMs }, metrics);
  if (settings.kind === 'xmlrpc') return new XmlRpcProbe(createHttp({ timeoutMs }), settings.url, timeoutMs, metrics);
  if (!rest) throw new Error('ACTIVE_CALLS=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
  return new RestCallProbe(rest, timeoutMs, metrics);
}
