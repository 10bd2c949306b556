import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFreeswitchStandIn, type FreeswitchStandIn } from '../../src/demo/freeswitch-stand-in.js';
import type { CallTarget } from '../../src/probes/active-call-probe.js';
import { EslProbe } from '../../src/probes/esl/esl-probe.js';
import { RestCallProbe } from '../../src/probes/rest-call-probe.js';
import { XmlRpcProbe } from '../../src/probes/xmlrpc-probe.js';
import { createHttp } from '../../src/common/http.js';
import { RestClient } from '../../src/sources/rest/rest-client.js';
import { MAX_ANSWER_BYTES } from '../../src/common/http.js';

const D = '6f1c0c52-6a4e-4d7e-9a0f-2f6f3f0f9b11';
const target = (number: string, extra: Partial<CallTarget> = {}): CallTarget => ({
  extensionId: `ext-${number}`,
  fusionpbxDomainUuid: D,
  number,
  numberAlias: null,
  domainName: 'acme.example.net',
  userContext: 'acme.example.net',
  ...extra,
});
let channels = 0;
const channel = (presence: string, extra: Record<string, string | boolean> = {}) => ({
  uuid: `5d0f7a3e-2b1c-4c7e-9a51-${(++channels).toString(16).padStart(12, '0')}`,
  presence_id: presence,
  callstate: 'ACTIVE',
  direction: 'inbound',
  created_epoch: '1777889702',
  context: 'acme.example.net',
  ...extra,
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('event-socket probe against a FreeSWITCH peer speaking the real framing', () => {
  let one: FreeswitchStandIn;
  let two: FreeswitchStandIn;
  beforeAll(async () => {
    one = await startFreeswitchStandIn({ password: 'ClueCon2' });
    two = await startFreeswitchStandIn({ password: 'ClueCon2' });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
  });
  const probe = (nodes: Array<{ host: string; port: number }>, password = 'ClueCon2', timeoutMs = 1000) => new EslProbe({ nodes, password, timeoutMs });

  it('answers ok with no calls when every node reports {"row_count":0}', async () => {
    one.channels = [];
    two.channels = [];
    expect(await probe([one, two]).findCalls([target('101')])).toEqual({ status: 'ok', calls: [] });
    expect(one.commands).toEqual(expect.arrayContaining(['auth ***', 'api show channels as json']));
  });

  it('finds a call by extension@domain on any node, case-insensitively, and by alias', async () => {
    one.channels = [channel('1001@ACME.example.net')];
    two.channels = [channel('5102@acme.example.net', { callstate: 'RINGING' }), channel('103@other.example.net')];
    const answer = await probe([one, two]).findCalls([target('1001'), target('102', { numberAlias: '5102' }), target('103')]);
    expect(answer.status).toBe('ok');
    if (answer.status !== 'ok') return;
    expect(answer.calls.map((c) => [c.number, c.state, c.node])).toEqual([
      ['1001', 'ACTIVE', `127.0.0.1:${one.port}`],
      ['102', 'RINGING', `127.0.0.1:${two.port}`],
    ]);
  });

  it('ignores hung-up channels and stale core-db rows (uuid_exists false)', async () => {
    one.channels = [channel('101@acme.example.net', { callstate: 'HANGUP' }), channel('102@acme.example.net', { exists: false })];
    two.channels = [];
    expect(await probe([one, two]).findCalls([target('101'), target('102')])).toEqual({ status: 'ok', calls: [] });
  });

  it('is unknown when one of two nodes is down (fail closed)', async () => {
    one.channels = [];
    const answer = await probe([one, { host: '127.0.0.1', port: await closedPort() }]).findCalls([target('101')]);
    expect(answer).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('is unknown, saying why, on a wrong password', async () => {
    const answer = await probe([one], 'wrong').findCalls([target('101')]);
    expect(answer).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/authentication failed: check FREESWITCH_ESL_PASSWORD/) });
  });

  it('is unknown within the timeout when a node accepts and never answers', async () => {
    const hung = await startFreeswitchStandIn({ password: 'ClueCon2', hang: true });
    try {
      const started = Date.now();
      const answer = await probe([hung], 'ClueCon2', 300).findCalls([target('101')]);
      expect(answer).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/did not answer within 300 ms/) });
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await hung.close();
    }
  });
});

describe('XML-RPC probe (mod_xml_rpc, nock)', () => {
  const base = 'http://freeswitch:works@fs.example.net:8080';
  const probe = () => new XmlRpcProbe(createHttp({ timeoutMs: 500 }), base, 500);
  afterEach(() => nock.cleanAll());

  it('parses show channels as xml and matches presence ids, with Basic auth from the URL', async () => {
    nock('http://fs.example.net:8080')
      .get('/xmlapi/show')
      .query({ 'channels as xml': '' })
      .basicAuth({ user: 'freeswitch', pass: 'works' })
      .reply(
        200,
        `<result row_count="2">
  <row row_id="1"><uuid>a-1</uuid><presence_id>101@acme.example.net</presence_id><callstate>ACTIVE</callstate><context>acme.example.net</context></row>
  <row row_id="2"><uuid>b-2</uuid><presence_id>999@acme.example.net</presence_id><callstate>EARLY</callstate></row>
</result>`,
      );
    expect(await probe().findCalls([target('101')])).toMatchObject({ status: 'ok', calls: [{ number: '101', callUuid: 'a-1', state: 'ACTIVE' }] });
  });

  it('handles <result row_count="0"/>', async () => {
    nock('http://fs.example.net:8080').get('/xmlapi/show').query(true).reply(200, '<result row_count="0"/>');
    expect(await probe().findCalls([target('101')])).toEqual({ status: 'ok', calls: [] });
  });

  it.each([
    ['malformed XML', 200, '<result row_count="1"><row><uuid>x</row>'],
    ['an error text', 200, '-ERR SQL disabled, no data available!'],
    ['a 401', 401, 'Unauthorized'],
  ])('is unknown on %s', async (_what, status, body) => {
    nock('http://fs.example.net:8080').get('/xmlapi/show').query(true).reply(status, body);
    expect((await probe().findCalls([target('101')])).status).toBe('unknown');
  });

  it('is unknown on an answer larger than the limit, and does not expand entities', async () => {
    nock('http://fs.example.net:8080').get('/xmlapi/show').query(true).reply(200, `<result row_count="0">${' '.repeat(MAX_ANSWER_BYTES)}</result>`);
    expect(await probe().findCalls([target('101')])).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/more than \d+ bytes/) });
    const bomb = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><result row_count="1"><row row_id="1"><uuid>&b;</uuid><presence_id>101@acme.example.net</presence_id><callstate>ACTIVE</callstate></row></result>`;
    nock('http://fs.example.net:8080').get('/xmlapi/show').query(true).reply(200, bomb);
    expect(await probe().findCalls([target('101')])).toMatchObject({ status: 'ok', calls: [{ callUuid: '&b;' }] });
  });

  it('is unknown on a timeout, and never shows the credentials', async () => {
    nock('http://fs.example.net:8080').get('/xmlapi/show').query(true).delay(1000).reply(200, '<result row_count="0"/>');
    const answer = await probe().findCalls([target('101')]);
    expect(answer).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timed out/) });
    expect(JSON.stringify(answer)).not.toContain('works');
  });
});

/**
 * call-list as the REST app answers it (CakeDC/fusionpbx-rest-api actions/call-list.php@d89cfd6a):
 * `{"data": [...]}` with no pagination; items call_uuid, domain_uuid, state, caller_id_number,
 * destination_number; `extension` filters to one extension's calls (presence, caller or
 * destination); a non-dialable `extension` is 400 {"error":"invalid extension"}.
 */
describe('REST call-list probe (nock)', () => {
  const client = new RestClient(createHttp({ timeoutMs: 300 }), { url: 'https://pbx.example.com', apiKey: 'k:s', timeoutMs: 300, concurrency: 2, pageSize: 50, retries: 0 });
  const item = (uuid: string, state: string, caller: string | null, destination: string | null) => ({ call_uuid: uuid, domain_uuid: D, state, caller_id_number: caller, destination_number: destination, consulting: null });
  afterEach(() => nock.cleanAll());

  it('asks for each number and alias of the targets, and counts every call that has not ended', async () => {
    const asked: unknown[] = [];
    nock('https://pbx.example.com')
      .post('/app/rest_api/rest.php', (b) => b.action === 'call-list' && b.domain_uuid === D && !('page' in b))
      .times(3)
      .reply((_u, body) => {
        const extension = (body as { extension: string }).extension;
        asked.push(extension);
        if (extension === '101') return [200, { data: [item('c1', 'bridged', '101', '5551234')] }];
        if (extension === '5102') return [200, { data: [item('c2', 'ringing', '5559876', '5102')] }];
        return [200, { data: [item('c3', 'ended', '102', '103')] }];
      });
    const answer = await new RestCallProbe(client, 500).findCalls([target('101'), target('102', { extensionId: 'ext-102', numberAlias: '5102' })]);
    expect(answer).toMatchObject({ status: 'ok', calls: [{ number: '101', callUuid: 'c1' }, { number: '102', callUuid: 'c2' }] });
    expect(answer.status === 'ok' && answer.calls).toHaveLength(2);
    expect(asked.sort()).toEqual(['101', '102', '5102']);
  });

  it('matches a number the app cannot filter by (not dialable) against the domain\'s callers and destinations', async () => {
    nock('https://pbx.example.com')
      .post('/app/rest_api/rest.php', (b) => b.action === 'call-list' && !('extension' in b))
      .reply(200, { data: [item('c1', 'answered', 'reception', '5551234'), item('c2', 'answered', '5550000', '104')] });
    const answer = await new RestCallProbe(client, 500).findCalls([target('reception')]);
    expect(answer).toMatchObject({ status: 'ok', calls: [{ number: 'reception', callUuid: 'c1' }] });
  });

  it('is unknown when the API fails, or answers something that is not a call list', async () => {
    nock('https://pbx.example.com').post('/app/rest_api/rest.php').reply(500, { error: 'event socket error' });
    expect((await new RestCallProbe(client, 500).findCalls([target('101')])).status).toBe('unknown');
    nock('https://pbx.example.com').post('/app/rest_api/rest.php').reply(200, { data: [{ uuid: 'no call_uuid' }] });
    expect((await new RestCallProbe(client, 500).findCalls([target('101')])).status).toBe('unknown');
  });
});

/** A peer that answers at once and then drips its body a byte at a time, forever. */
async function dripping(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

describe('a peer that drips its answer is cut at the deadline', () => {
  it('mod_xml_rpc and the REST app alike', async () => {
    const peer = await dripping();
    try {
      let started = performance.now();
      const xml = await new XmlRpcProbe(createHttp({ timeoutMs: 300 }), peer.url, 300).findCalls([target('101')]);
      expect(xml).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timed out/) });
      expect(performance.now() - started).toBeLessThan(1300);
      started = performance.now();
      const client = new RestClient(createHttp({ timeoutMs: 300 }), { url: peer.url, apiKey: 'k:s', timeoutMs: 300, concurrency: 1, pageSize: 50, retries: 0 });
      await expect(client.call('domain-list')).rejects.toThrow(/timed out/);
      expect(performance.now() - started).toBeLessThan(1300);
    } finally {
      await peer.close();
    }
  });
});
