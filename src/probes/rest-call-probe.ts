import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import { readList, type RestClient } from '../sources/rest/rest-client.js';
import { withDeadline, type ActiveCall, type ActiveCallProbe, type CallTarget, type ProbeAnswer } from './active-call-probe.js';

/**
 * A call-list item (CakeDC/fusionpbx-rest-api actions/call-list.php@d89cfd6a): `call_uuid`,
 * `domain_uuid`, `state` (ringing, answered, bridged, held, ended), `caller_id_number`,
 * `destination_number`; no presence_id. The answer is `{"data": [...]}`, never paged.
 */
const callRow = z
  .object({
    call_uuid: z.string(),
    state: z.string(),
    caller_id_number: z.string().nullable().optional(),
    destination_number: z.string().nullable().optional(),
  })
  .loose();

type CallRow = z.infer<typeof callRow>;

/** What call-list's `extension` accepts (is_dial_number in lib/input_validation.php). */
const DIALABLE = /^\+?[0-9*#]+$/;

/**
 * The REST app's `call-list`. For each number (and alias) of the targets it asks for that
 * extension's calls: the app then matches the channel's presence (a ring group ringing it), its
 * caller and its destination within the domain, as FusionPBX's active-calls page does. A number the
 * app cannot take as `extension` (not dialable) is matched against the caller and destination of
 * the domain's calls. Anything but a clean answer is `unknown`: the delete is refused.
 */
export class RestCallProbe implements ActiveCallProbe {
  readonly method = 'rest' as const;

  constructor(
    private readonly client: RestClient,
    private readonly timeoutMs: number,
    private readonly metrics?: Metrics,
  ) {}

  async findCalls(targets: CallTarget[]): Promise<ProbeAnswer> {
    try {
      const calls = await withDeadline(this.timeoutMs, 'the REST API', Promise.all(targets.map((t) => this.callsOf(t))));
      return { status: 'ok', calls: calls.flat() };
    } catch (error) {
      return { status: 'unknown', reason: `REST call-list: ${(error as Error).message}` };
    }
  }

  private async callsOf(target: CallTarget): Promise<ActiveCall[]> {
    const numbers = [...new Set([target.number, target.numberAlias].filter((n): n is string => !!n))];
    const found = new Map<string, ActiveCall>();
    for (const number of numbers) {
      const rows = DIALABLE.test(number)
        ? await this.ask(target.fusionpbxDomainUuid, number)
        : (await this.ask(target.fusionpbxDomainUuid)).filter((r) => r.caller_id_number === number || r.destination_number === number);
      for (const r of rows) {
        if (r.state.toLowerCase() === 'ended') continue;
        found.set(r.call_uuid, { extensionId: target.extensionId, number: target.number, callUuid: r.call_uuid, presenceId: null, state: r.state, node: 'rest' });
      }
    }
    return [...found.values()];
  }

  private async ask(domainUuid: string, extension?: string): Promise<CallRow[]> {
    const call = async () => readList('call-list', await this.client.call('call-list', { domain_uuid: domainUuid, ...(extension ? { extension } : {}) }));
    const answer = await (this.metrics ? this.metrics.observeProbe('rest', 'call-list', call) : call());
    return answer.data.map((row) => callRow.parse(row));
  }
}
