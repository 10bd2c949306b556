import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './queue.js';

/**
 * Postgres and Redis processes a test owns, on ports of their own, so it can stop and restart
 * them without touching the services every other test uses.
 */

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Whether a Redis (or a sentinel) answers PING at this URL, trying once. */
async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export interface PrivateService {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateService> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  const service: PrivateService = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
      await waitFor('private redis', () => redisAnswers(url), 10_000, 50);
    },
    async stop() {
      const c = child;
      if (!c) return;
      child = null;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
  await service.start();
  return service;
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const path = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(path)) return path;
  }
  throw new Error(`PostgreSQL's ${name} was not found under /usr/lib/postgresql`);
}

/** Runs a Postgres binary as the postgres user (initdb refuses root). */
function asPostgres(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  execFileSync(root ? 'runuser' : bin, root ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'ignore' });
}

export async function startPrivatePostgres(): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fps-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  asPostgres(pgBin('initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const ctl = (...args: string[]) => asPostgres(pgBin('pg_ctl'), ['-D', join(dir, 'data'), ...args]);
  const service: PrivateService = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`, '-l', join(dir, 'log'), '-w', 'start');
    },
    async stop() {
      ctl('-m', 'immediate', '-w', 'stop');
    },
  };
  await service.start();
  return service;
}

/** A redis-server (or sentinel) process of the test's own, killed at stop. */
async function redisProcess(port: number, args: string[]): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(`redis on ${port}`, () => redisAnswers(url), 10_000, 50);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

const REDIS_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];

/** A master, its replica and one sentinel watching them (quorum 1, a master is down after 1 s). */
export async function startSentinelSet(name = 'fpsmaster') {
  const dir = mkdtempSync(join(tmpdir(), 'fps-sentinel-'));
  const [m, r, s] = [await freePort(), await freePort(), await freePort()];
  const master = await redisProcess(m, ['--port', String(m), ...REDIS_ARGS]);
  const replica = await redisProcess(r, ['--port', String(r), ...REDIS_ARGS, '--replicaof', '127.0.0.1', String(m)]);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${s}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${m} 1`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 3000`, ''].join('\n'));
  const sentinel = await redisProcess(s, [conf, '--sentinel']);
  return {
    sentinels: `127.0.0.1:${s}`,
    name,
    /** The master dies: the sentinel promotes the replica. */
    killMaster: () => master.stop(),
    masterPort: async () => {
      const client = new Redis({ port: s, host: '127.0.0.1', lazyConnect: true });
      try {
        await client.connect();
        return Number(((await client.call('SENTINEL', 'get-master-addr-by-name', name)) as string[])[1]);
      } finally {
        client.disconnect();
      }
    },
    stop: async () => {
      for (const p of [sentinel, replica, master]) await p.stop();
    },
  };
}

/** A Redis Cluster of three masters (no replicas), made with redis-cli --cluster create. */
export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'fps-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const nodes: Array<{ stop(): Promise<void> }> = [];
  for (const p of ports) nodes.push(await redisProcess(p, ['--port', String(p), ...REDIS_ARGS, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--dir', dir]));
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
  await waitFor('the cluster to be ok', async () => ports.every((p) => /cluster_state:ok/.test(execFileSync('redis-cli', ['-p', String(p), 'cluster', 'info']).toString())), 20_000, 200);
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), stop: async () => Promise.all(nodes.map((n) => n.stop())) };
}
