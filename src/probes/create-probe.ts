import type { PartSettings } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type { RestClient } from '../sources/rest/rest-client.js';
import type { ActiveCallProbe } from './active-call-probe.js';

/** The probe ACTIVE_CALLS names, its modules loaded only for it. */
export async function createProbe(settings: NonNullable<PartSettings['probe']>, timeoutMs: number, metrics: Metrics, rest: RestClient | null): Promise<ActiveCallProbe> {
  if (settings.kind === 'esl') {
    const { EslProbe } = await import('./esl/esl-probe.js');
    return new EslProbe({ nodes: settings.nodes, password: settings.password, timeoutMs }, metrics);
  }
  if (settings.kind === 'xmlrpc') {
    const [{ createHttp }, { XmlRpcProbe }] = await Promise.all([import('../common/http.js'), import('./xmlrpc-probe.js')]);
    return new XmlRpcProbe(createHttp({ timeoutMs }), settings.url, timeoutMs, metrics);
  }
  if (!rest) throw new Error('ACTIVE_CALLS=rest needs FUSIONPBX_API_URL and FUSIONPBX_API_KEY');
  const { RestCallProbe } = await import('./rest-call-probe.js');
  return new RestCallProbe(rest, timeoutMs, metrics);
}
