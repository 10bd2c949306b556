import type { RedisClient } from './redis.js';
import { withinDeadline } from '../common/deadline.js';
import type { Logger } from '../observability/logger.js';
import type { ChangePoll } from '../sync/change-poll.js';

/**
 * Drives the change poll every `seconds` in each worker process. The replicas share one tick per
 * period: the process that sets the period's key in Redis (SET NX PX) polls, the others skip; the
 * poll's own advisory lock keeps two ticks from ever running at once, even when Redis is away
 * (then each process ticks on its own timer). A tick starts only after the previous one ended here.
 */
export class PollTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private warned = false;

  constructor(
    private readonly poll: ChangePoll,
    private readonly redis: RedisClient | null,
    private readonly key: string,
    private readonly seconds: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.logger.info({ seconds: this.seconds }, 'change polling on');
    this.next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.once().finally(() => {
        this.running = null;
        this.next();
      });
    }, this.seconds * 1000);
    this.timer.unref();
  }

  private async once(): Promise<void> {
    if (!(await this.claim())) return;
    await this.poll.tick();
  }

  /** This period's tick is ours (or Redis cannot say: tick, the poll's lock still rules). */
  private async claim(): Promise<boolean> {
    if (!this.redis) return true;
    try {
      // A worker's connection waits for Redis to come back; the poll does not.
      const set = await withinDeadline(this.redis.set(this.key, '1', 'PX', Math.max(100, Math.round(this.seconds * 900)), 'NX'), 500, 'Redis');
      this.warned = false;
      return set === 'OK';
    } catch (error) {
      if (!this.warned) this.logger.warn({ err: error }, 'change poll: Redis does not answer; polling on this process\'s timer');
      this.warned = true;
      return true;
    }
  }
}
