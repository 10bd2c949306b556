import { connect, type Socket } from 'node:net';
import { EslFrameReader, type EslMessage } from './esl-frames.js';

/**
 * A minimal FreeSWITCH event-socket client (inbound mode) over EslFrameReader. Replies arrive in
 * the order of the commands, so each command waits for the next message. A peer that breaks the
 * framing is cut off: the command waiting fails at once.
 */
export class EslConnection {
  private readonly reader = new EslFrameReader();
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
    if (this.failure) return;
    let messages: EslMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.fail(new Error(`the event socket broke its framing: ${(error as Error).message}`));
      this.socket.destroy();
      return;
    }
    // Notices the socket sends on its own are not replies.
    for (const message of messages) if (message.headers['Content-Type'] !== 'text/disconnect-notice') this.deliver(message);
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
