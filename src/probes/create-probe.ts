import { createHttp } from '../common/http.js';
import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type { RestClient } from '../sources/rest/rest-client.js';
import type { ActiveCallProbe } from './active-call-probe.js';
import { EslProbe } from './esl/esl-probe.js';
import { RestCallProbe } from './rest-call-probe.js';
import { XmlRpcProbe } from './xmlrpc-probe.js';

/** The probe ACTIVE_CALLS names. */
export function createProbe(config: Config, metrics: Metrics, rest: RestClient | null): ActiveCallProbe {
  if (config.ACTIVE_CALLS === 'esl') {
    return new EslProbe({ nodes: config.FREESWITCH_ESL, password: config.FREESWITCH_ESL_PASSWORD!, timeoutMs: config.PROBE_TIMEOUT_MS }, metrics);
  }
  if (config.ACTIVE_CALLS === 'xmlrpc') {
    return new XmlRpcProbe(createHttp({ timeoutMs: config.PROBE_TIMEOUT_MS }), config.FREESWITCH_XMLRPC_URL!, config.PROBE_TIMEOUT_MS, metrics);
  }
  if (!rest) throw new Error('ACTIVE_CALLS=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
  return new RestCallProbe(rest, config.PROBE_TIMEOUT_MS, metrics);
}
