import type { Metrics } from './metrics.js';

export interface GaugeSources {
  lastSuccessByDomain(): Promise<Array<{ domain: string; at: number }>>;
  quarantinedRuns(): Promise<number>;
  queueCounts: (() => Promise<Record<string, number>>) | null;
}

/**
 * Gauges read at scrape time from Postgres and Redis, so every replica reports the same
 * cluster-wide values whichever process ran the work.
 */
export function registerStoreGauges(metrics: Metrics, sources: GaugeSources): void {
  metrics.scrapedGauge('fps_sync_last_success_timestamp_seconds', 'When each FusionPBX domain last synced successfully (unix time).', ['domain'], async () =>
    (await sources.lastSuccessByDomain()).map((d) => ({ labels: { domain: d.domain }, value: d.at })),
  );
  metrics.scrapedGauge('fps_sync_quarantined_runs', 'Quarantined runs waiting for an admin to approve or discard them.', [], async () => [
    { labels: {}, value: await sources.quarantinedRuns() },
  ]);
  const queueCounts = sources.queueCounts;
  if (queueCounts) {
    metrics.scrapedGauge('fps_queue_jobs', 'Jobs of the sync queue by state (BullMQ job counts).', ['queue', 'state'], async () =>
      Object.entries(await queueCounts()).map(([state, value]) => ({ labels: { queue: 'sync', state }, value })),
    );
  }
}
