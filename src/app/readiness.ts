import type { Worker } from 'bullmq';
import type { Knex } from 'knex';
import type { CheckState } from '../api/api-types.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { withinDeadline } from '../common/deadline.js';
import { migrationsApplied } from '../store/migrate.js';

/** Each check bounded in time, so /readyz answers fast even when a dependency hangs. */
const within = <T>(ms: number, work: Promise<T>): Promise<T> => withinDeadline(work, ms, 'a readiness check');

/**
 * What /readyz checks: Postgres answers, the migrations this build knows are applied, Redis
 * answers (where this process uses the queue), the worker runs (where this process has one).
 */
export function readinessCheck(parts: { db: Knex; queue: SyncQueue | null; worker: Worker | null }) {
  let migrated = false;
  return async (): Promise<Record<string, CheckState>> => {
    const postgres = await within(2_000, parts.db.raw('select 1')).then(() => 'ok' as const, () => 'down' as const);
    if (postgres === 'ok' && !migrated) migrated = await within(2_000, migrationsApplied(parts.db)).catch(() => false);
    const redis = parts.queue ? await within(2_000, parts.queue.ping()).then(() => 'ok' as const, () => 'down' as const) : ('absent' as const);
    const worker = parts.worker ? (parts.worker.isRunning() && redis !== 'down' ? 'ok' : 'not-running') : ('absent' as const);
    return { postgres, migrations: postgres === 'down' ? 'down' : migrated ? 'ok' : 'not-applied', redis, worker };
  };
}
