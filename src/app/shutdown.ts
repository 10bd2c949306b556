import type { Logger } from '../observability/logger.js';

type Step = [name: string, close: () => Promise<unknown>];

/**
 * Staged shutdown: stop taking new work (`first`: the HTTP server, the timers), let running jobs
 * finish (`drain`, forced when the deadline comes), then close queues (`early`) and connections
 * (`last`, in reverse order of creation, so the store closes last). Each step is guarded: one
 * failing does not stop the others. Runs once; later calls get the same promise.
 */
export class Shutdown {
  private readonly firsts: Step[] = [];
  private readonly drains: Array<[string, (force: boolean) => Promise<unknown>]> = [];
  private readonly earlies: Step[] = [];
  private readonly lasts: Step[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs: number,
  ) {}

  first(name: string, close: () => Promise<unknown>): void {
    this.firsts.push([name, close]);
  }

  drain(name: string, close: (force: boolean) => Promise<unknown>): void {
    this.drains.push([name, close]);
  }

  early(name: string, close: () => Promise<unknown>): void {
    this.earlies.push([name, close]);
  }

  last(name: string, close: () => Promise<unknown>): void {
    this.lasts.unshift([name, close]);
  }

  run(): Promise<void> {
    this.running ??= this.stages();
    return this.running;
  }

  private async stages(): Promise<void> {
    const started = Date.now();
    for (const step of this.firsts) await this.guard(step);
    // Jobs get the deadline minus a margin for the connections to close.
    const budget = Math.max(100, this.deadlineMs - 2_000);
    for (const [name, close] of this.drains) {
      const left = budget - (Date.now() - started);
      const drained = await Promise.race([close(false).then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, left)).unref())]);
      if (!drained) {
        this.logger.warn({ part: name }, 'shutdown deadline reached: running jobs are handed back to the queue');
        await this.guard([name, () => close(true)]);
      }
    }
    for (const step of [...this.earlies, ...this.lasts]) await this.guard(step);
    this.logger.info({ ms: Date.now() - started }, 'stopped');
    this.logger.flush();
  }

  private async guard([name, close]: Step): Promise<void> {
    try {
      await close();
    } catch (error) {
      this.logger.warn({ part: name, err: error }, 'closing failed');
    }
  }
}
