import type { AxiosInstance } from 'axios';
import { deadline, transportProblem } from '../common/http.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Metrics } from '../observability/metrics.js';
import type { ActiveCallProbe, CallTarget, ProbeAnswer } from './active-call-probe.js';
import { matchChannels, type ChannelRow } from './channel-match.js';

/**
 * mod_xml_rpc: `GET <base>/xmlapi/show?channels%20as%20xml`, answered with
 * `<result row_count="N"><row row_id="1"><uuid>…</uuid>…</row></result>` (or `<result row_count="0"/>`).
 * Credentials in FREESWITCH_XMLRPC_URL travel as HTTP Basic, never in a message.
 */
export class XmlRpcProbe implements ActiveCallProbe {
  readonly method = 'xmlrpc' as const;
  private readonly url: string;
  private readonly auth: { username: string; password: string } | undefined;
  private readonly node: string;
  // No entity expansion: FreeSWITCH's reply has none, and a hostile one would expand without bound.
  private readonly parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, processEntities: false, isArray: (name) => name === 'row' });

  constructor(
    private readonly http: AxiosInstance,
    baseUrl: string,
    private readonly timeoutMs: number,
    private readonly metrics?: Metrics,
  ) {
    const u = new URL(baseUrl);
    this.auth = u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
    u.username = '';
    u.password = '';
    this.node = u.host;
    this.url = `${u.origin}${u.pathname.replace(/\/+$/, '')}/xmlapi/show?channels%20as%20xml`;
  }

  async findCalls(targets: CallTarget[]): Promise<ProbeAnswer> {
    try {
      const ask = async () => {
        const response = await this.http.get<string>(this.url, { auth: this.auth, signal: deadline(this.timeoutMs), headers: { accept: 'text/xml' } });
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        return this.rows(String(response.data));
      };
      const rows = await (this.metrics ? this.metrics.observeProbe('xmlrpc', this.node, ask) : ask());
      return { status: 'ok', calls: matchChannels(rows, targets, this.node) };
    } catch (error) {
      const problem = (error as { code?: unknown }).code === undefined ? (error as Error).message : transportProblem(error);
      return { status: 'unknown', reason: `mod_xml_rpc at ${this.node}: ${problem}` };
    }
  }

  private rows(xml: string): ChannelRow[] {
    if (xml.trim().startsWith('-ERR')) throw new Error(`show channels failed: ${xml.trim().slice(0, 120)}`);
    if (XMLValidator.validate(xml) !== true) throw new Error('the reply is not well-formed XML');
    const doc = this.parser.parse(xml) as { result?: { '@row_count'?: string; row?: Array<Record<string, unknown>> } | string };
    if (doc.result === undefined) throw new Error('the reply has no <result>');
    const result = typeof doc.result === 'string' ? {} : doc.result;
    const rows = result.row ?? [];
    if (Number(result['@row_count'] ?? rows.length) !== rows.length) throw new Error('row_count does not match the rows');
    return rows.map((r) => ({ uuid: text(r.uuid), presence_id: text(r.presence_id), callstate: text(r.callstate) }));
  }
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
