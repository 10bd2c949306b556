import { connect, type Socket } from 'node:net';

export interface EslMessage {
  headers: Record<string, string>;
  body: string;
}

/**
 * A minimal FreeSWITCH event-socket client (inbound mode): header blocks ended by a blank line,
 * and a body of exactly `Content-Length` bytes when that header is present. Replies arrive in the
 * order of the commands, so each command waits for the next message.
 */
export class EslConnection {
  private buffer = Buffer.alloc(0);
  private readonly queue: EslMessage[] = [];
  private waiter: { resolve: (m: EslMessage) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the event socket closed the connection')));
  }

  /** Connects and authenticates; rejects on a wrong password with a message that says so. */
  static async open(host: string, port: number, password: string): Promise<EslConnection> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    const conn = new EslConnection(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const greeting = await conn.next();
      if (greeting.headers['Content-Type'] !== 'auth/request') throw new Error(`unexpected greeting ${greeting.headers['Content-Type'] ?? '(none)'}`);
      const reply = await conn.send(`auth ${password}`);
      if (!reply.headers['Reply-Text']?.startsWith('+OK')) throw new Error('authentication failed: check FREESWITCH_ESL_PASSWORD');
      return conn;
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /** `api <command>`: the command's text output. */
  async api(command: string): Promise<string> {
    const reply = await this.send(`api ${command}`);
    if (reply.headers['Content-Type'] !== 'api/response') throw new Error(`unexpected reply ${reply.headers['Content-Type'] ?? '(none)'} to api ${command.split(' ')[0]}`);
    return reply.body;
  }

  close(): void {
    this.socket.destroy();
  }

  private async send(line: string): Promise<EslMessage> {
    if (/[\r\n]/.test(line)) throw new Error('an event-socket command must be one line');
    this.socket.write(`${line}\n\n`);
    return this.next();
  }

  private next(): Promise<EslMessage> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return;
      const headers = parseHeaders(this.buffer.subarray(0, end).toString('utf8'));
      const length = Number(headers['Content-Length'] ?? 0);
      if (this.buffer.length < end + 2 + length) return;
      const body = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 2 + length);
      // Notices the socket sends on its own are not replies.
      if (headers['Content-Type'] === 'text/disconnect-notice') continue;
      this.deliver({ headers, body });
    }
  }

  private deliver(message: EslMessage): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter.resolve(message);
    else this.queue.push(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(this.failure);
  }
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = safeDecode(line.slice(at + 1).trim());
  }
  return headers;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
