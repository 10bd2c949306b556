import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StandInChannel {
  uuid: string;
  presence_id: string;
  callstate: string;
  /** false: the row is a leftover in the core db (`uuid_exists` answers false). */
  exists?: boolean;
  [column: string]: string | boolean | undefined;
}

export interface FreeswitchStandInOptions {
  password: string;
  port?: number;
  channels?: StandInChannel[];
  /** Accept connections, never answer (a hung node). */
  hang?: boolean;
}

/** How a broken peer answers `api`: a Content-Length that is not a number, or an endless header block. */
export type EslBreakage = 'bad-length' | 'endless-headers' | null;

export interface FreeswitchStandIn {
  host: string;
  port: number;
  channels: StandInChannel[];
  /** Commands received, for tests (`auth` lines are recorded without the password). */
  commands: string[];
  setHang(hang: boolean): void;
  /** Makes every `api` answer broken, as a peer that is not FreeSWITCH might (null: answer well again). */
  setBreakage(breakage: EslBreakage): void;
  close(): Promise<void>;
}

/**
 * A FreeSWITCH event socket small enough to read: the real framing (`auth/request`,
 * `command/reply`, `api/response` with Content-Length), `show channels as json` in FreeSWITCH's
 * shape (`{"row_count":0}` with no rows when idle, every value a string), `uuid_exists`, `exit`.
 * The tests' event-socket peer and the demo's FreeSWITCH.
 */
export async function startFreeswitchStandIn(options: FreeswitchStandInOptions): Promise<FreeswitchStandIn> {
  const sockets = new Set<Socket>();
  const state = { hang: options.hang ?? false, channels: options.channels ?? [], commands: [] as string[], breakage: null as EslBreakage };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (state.hang) return;
    let authed = false;
    let buffer = '';
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 2);
        state.commands.push(line.startsWith('auth ') ? 'auth ***' : line);
        if (!authed) {
          if (line === `auth ${options.password}`) {
            authed = true;
            socket.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
          } else {
            socket.write('Content-Type: command/reply\nReply-Text: -ERR invalid\n\n');
            socket.end('Content-Type: text/disconnect-notice\nContent-Length: 0\n\n');
          }
        } else if (line === 'exit') {
          socket.end('Content-Type: command/reply\nReply-Text: +OK bye\n\n');
        } else if (line.startsWith('api ')) {
          const body = api(line.slice(4), state.channels);
          if (state.breakage === 'bad-length') socket.write(`Content-Type: api/response\nContent-Length: 1x2\n\n${body}`);
          else if (state.breakage === 'endless-headers') socket.write(`Content-Type: api/response\n${'X-Filler: y\n'.repeat(4096)}`);
          else socket.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
        } else {
          socket.write('Content-Type: command/reply\nReply-Text: -ERR command not found\n\n');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get channels() {
      return state.channels;
    },
    set channels(value: StandInChannel[]) {
      state.channels = value;
    },
    commands: state.commands,
    setHang: (hang) => (state.hang = hang),
    setBreakage: (breakage) => (state.breakage = breakage),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function api(command: string, channels: StandInChannel[]): string {
  if (command === 'show channels as json') {
    if (channels.length === 0) return JSON.stringify({ row_count: 0 });
    const rows = channels.map(({ exists: _exists, ...row }) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v ?? '')])));
    return JSON.stringify({ row_count: rows.length, rows });
  }
  const exists = /^uuid_exists (\S+)$/.exec(command);
  if (exists) return String(channels.some((c) => c.uuid === exists[1] && c.exists !== false));
  return `-ERR ${command.split(' ')[0]} Command not found!\n`;
}
