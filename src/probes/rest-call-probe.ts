import { z } from 'zod';
import type { Metrics } from '../observability/metrics.js';
import type { RestClient } from '../sources/rest/rest-client.js';
import { withDeadline, type ActiveCall, type ActiveCallProbe, type CallTarget, type ProbeAnswer } from './active-call-probe.js';
import { matchChannels } from './channel-match.js';

const callRow = z
  .object({
    call_uuid: z.string(),
    domain_uuid: z.string().optional(),
    state: z.string().optional(),
    caller_id_number: z.string().nullable().optional(),
    destination_number: z.string().nullable().optional(),
    presence_id: z.string().nullable().optional(),
  })
  .loose();

/**
 * The REST app's `call-list`, per domain of the targets. Its rows carry no presence_id in the
 * common build, so a call belongs to an extension of the domain when the extension's number (or
 * alias) is the caller or the destination; a presence_id, when present, is matched as usual.
 */
export class RestCallProbe implements ActiveCallProbe {
  readonly method = 'rest' as const;

  constructor(
    private readonly client: RestClient,
    private readonly timeoutMs: number,
    private readonly metrics?: Metrics,
  ) {}

  async findCalls(targets: CallTarget[]): Promise<ProbeAnswer> {
    const domains = [...new Set(targets.map((t) => t.fusionpbxDomainUuid))];
    try {
      const all = Promise.all(domains.map((d) => this.callsOf(d, targets.filter((t) => t.fusionpbxDomainUuid === d))));
      const calls = await withDeadline(this.timeoutMs, 'the REST API', all);
      return { status: 'ok', calls: calls.flat() };
    } catch (error) {
      return { status: 'unknown', reason: `REST call-list: ${(error as Error).message}` };
    }
  }

  private async callsOf(domainUuid: string, targets: CallTarget[]): Promise<ActiveCall[]> {
    const ask = () => this.client.list('call-list', { domain_uuid: domainUuid });
    const raw = await (this.metrics ? this.metrics.observeProbe('rest', 'call-list', ask) : ask());
    const rows = raw.map((r) => callRow.parse(r)).filter((r) => (r.state ?? '').toLowerCase() !== 'ended');
    const byPresence = matchChannels(
      rows.map((r) => ({ uuid: r.call_uuid, presence_id: r.presence_id ?? undefined, callstate: r.state })),
      targets,
      'rest',
    );
    const byNumber = rows.flatMap((r) =>
      targets
        .filter((t) => [t.number, t.numberAlias].some((n) => n !== null && (n === r.caller_id_number || n === r.destination_number)))
        .map((t) => ({ extensionId: t.extensionId, number: t.number, callUuid: r.call_uuid, presenceId: r.presence_id ?? null, state: r.state ?? '', node: 'rest' })),
    );
    const seen = new Set<string>();
    return [...byPresence, ...byNumber].filter((c) => !seen.has(`${c.extensionId}:${c.callUuid}`) && seen.add(`${c.extensionId}:${c.callUuid}`));
  }
}
