import { z } from 'zod';
import type { Metrics } from '../../observability/metrics.js';
import { withDeadline, type ActiveCall, type ActiveCallProbe, type CallTarget, type NodeState, type ProbeAnswer } from '../active-call-probe.js';
import { matchChannels } from '../channel-match.js';
import { EslConnection } from './esl-connection.js';

const channels = z.object({
  row_count: z.coerce.number().int().min(0),
  // With no channels FreeSWITCH answers {"row_count":0} and no rows at all.
  rows: z.array(z.record(z.string(), z.unknown())).optional(),
});

export interface EslProbeOptions {
  nodes: Array<{ host: string; port: number }>;
  password: string;
  timeoutMs: number;
}

/**
 * Asks every FreeSWITCH node over the event socket: `api show channels as json`, then
 * `uuid_exists` for each matching channel, because core-db rows can outlive their call. One node
 * that does not answer in time makes the whole answer unknown.
 */
export class EslProbe implements ActiveCallProbe {
  readonly method = 'esl' as const;

  constructor(
    private readonly options: EslProbeOptions,
    private readonly metrics?: Metrics,
  ) {}

  async findCalls(targets: CallTarget[]): Promise<ProbeAnswer> {
    const results = await Promise.allSettled(this.options.nodes.map((node) => this.askNode(node, targets)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${nodeName(this.options.nodes[i]!)}: ${(r.reason as Error).message}`] : []));
    if (failed.length > 0) return { status: 'unknown', reason: `event socket: ${failed.join('; ')}` };
    return { status: 'ok', calls: results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])) };
  }

  async nodes(): Promise<NodeState[]> {
    const results = await Promise.allSettled(this.options.nodes.map((node) => this.askNode(node, [])));
    return results.map((r, i) => ({
      node: nodeName(this.options.nodes[i]!),
      status: r.status === 'fulfilled' ? 'ok' : 'down',
      detail: r.status === 'fulfilled' ? 'answers show channels' : (r.reason as Error).message,
    }));
  }

  private askNode(node: { host: string; port: number }, targets: CallTarget[]): Promise<ActiveCall[]> {
    const name = nodeName(node);
    let conn: EslConnection | null = null;
    const ask = async () => {
      conn = await EslConnection.open(node.host, node.port, this.options.password);
      const text = await conn.api('show channels as json');
      if (text.startsWith('-ERR')) throw new Error(`show channels failed: ${text.trim().slice(0, 120)}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error('show channels did not return JSON');
      }
      const parsed = channels.safeParse(json);
      if (!parsed.success) throw new Error('show channels returned an unexpected shape');
      const rows = (parsed.data.rows ?? []).map((r) => ({ uuid: str(r.uuid), presence_id: str(r.presence_id), callstate: str(r.callstate) }));
      const live: ActiveCall[] = [];
      for (const call of matchChannels(rows, targets, name)) {
        // A stale core-db row must not block a delete forever.
        if ((await conn.api(`uuid_exists ${call.callUuid.replace(/[^\w-]/g, '')}`)).trim() !== 'false') live.push(call);
      }
      return live;
    };
    const run = () =>
      withDeadline(this.options.timeoutMs, `node ${name}`, ask(), () => conn?.close()).finally(() => conn?.close());
    return this.metrics ? this.metrics.observeProbe('esl', name, run) : run();
  }
}

function nodeName(node: { host: string; port: number }): string {
  return `${node.host}:${node.port}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
