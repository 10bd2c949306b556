import { start } from '../app/start.js';
import type { Logger } from '../observability/logger.js';
import type { RunProgress } from '../sync/run-pipeline.js';
import { EXIT } from './exit.js';
import { formatRun } from './print-run.js';
import { interruption } from './signals.js';

export async function migrateCommand(_options: object, env: NodeJS.ProcessEnv): Promise<number> {
  const app = await start({ env, parts: {}, processMetrics: false });
  app.logger.info('store is migrated');
  await app.stop();
  return interruption.aborted ? EXIT.interrupted : EXIT.ok;
}

export async function syncCommand(options: { domain?: string; user?: string; 'dry-run'?: boolean; json?: boolean }, env: NodeJS.ProcessEnv): Promise<number> {
  const app = await start({ env, parts: { source: true }, processMetrics: false });
  try {
    const { sync, pipeline } = app;
    if (!sync || !pipeline) throw new Error('this process has no FusionPBX source');
    const { run, created } = await sync.requestRun({ trigger: 'cli', domain: options.domain, user: options.user, dryRun: options['dry-run'], actor: 'cli' });
    if (!created) app.logger.info({ runId: run.id }, 'a run for this scope is already live: waiting for it');
    const report = progressReporter(app.logger);
    const final = created ? await pipeline.runInProcess(run.id, { signal: interruption, onProgress: report.update }) : await pipeline.waitFor(run.id);
    report.end();
    const detail = await app.runReads.detailOf(final, { limit: 100 });
    process.stdout.write(options.json ? `${JSON.stringify(detail)}\n` : formatRun(detail));
    if (interruption.aborted) return EXIT.interrupted;
    return final.status === 'succeeded' ? EXIT.ok : final.status === 'quarantined' ? EXIT.quarantined : EXIT.failed;
  } finally {
    await app.stop();
  }
}

/** Progress on stderr: one line redrawn in a terminal, else a log line per batch. */
function progressReporter(logger: Logger): { update(p: RunProgress): void; end(): void } {
  const tty = process.stderr.isTTY;
  let drawn = false;
  return {
    update(p) {
      const seconds = (performance.now() - p.startedAt) / 1000;
      const rate = Math.round(p.users / Math.max(seconds, 0.001));
      if (!tty) return logger.info({ domainsDone: p.domainsDone, domainsTotal: p.domainsTotal, usersPerSecond: rate }, 'sync progress');
      process.stderr.write(`\r\u001b[2Ksyncing: ${p.domainsDone} of ${p.domainsTotal} domains, ${rate} users/s`);
      drawn = true;
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
