/**
 * What one active-call probe costs against a local event-socket peer: `npx tsx bench/probe-cost.ts`.
 * 1,000 sequential probes of one extension against a node with 50 live channels (connect, auth,
 * show channels as json, uuid_exists on the match), with a bare TCP connect to the same peer as
 * the baseline measured in the same run.
 */
import { connect } from 'node:net';
import { startFreeswitchStandIn } from '../src/demo/freeswitch-stand-in.js';
import { EslProbe } from '../src/probes/esl/esl-probe.js';
import { summarize } from './stats.js';

const fs = await startFreeswitchStandIn({
  password: 'bench',
  channels: Array.from({ length: 50 }, (_, i) => ({ uuid: `5d0f7a3e-2b1c-4c7e-9a51-${String(i).padStart(12, '0')}`, presence_id: `${1000 + i}@bench.example.net`, callstate: 'ACTIVE' })),
});
const probe = new EslProbe({ nodes: [{ host: fs.host, port: fs.port }], password: 'bench', timeoutMs: 2000 });
const target = { extensionId: 'x', fusionpbxDomainUuid: 'd', number: '1010', numberAlias: null, domainName: 'bench.example.net', userContext: null };

async function time(n: number, work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await work();
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

const connectOnly = () =>
  new Promise<void>((resolve, reject) => {
    const s = connect({ host: fs.host, port: fs.port }, () => (s.destroy(), resolve()));
    s.on('error', reject);
  });

await time(100, () => probe.findCalls([target]));
const baseline = summarize(await time(1000, connectOnly));
const probes = summarize(await time(1000, () => probe.findCalls([target])));
await fs.close();
console.log(JSON.stringify({ probe: probes, tcpConnectBaseline: baseline, medianRatio: +(probes.median / baseline.median).toFixed(1) }, null, 2));
