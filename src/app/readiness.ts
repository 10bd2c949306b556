import type { Worker } from 'bullmq';
import type { Knex } from 'knex';
import type { CheckState, HealthView } from '../api/api-types.js';
import type { SyncQueue } from '../queue/sync-queue.js';
import { withinDeadline } from '../common/deadline.js';
import { packageVersion } from '../common/version.js';
import type { ActiveCallProbe } from '../probes/active-call-probe.js';
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

/**
 * What the console's health page shows, read now: readiness, the workers the queue knows, each
 * FreeSWITCH node (asked now, as a delete would ask), queue counts, the schedule and its next tick.
 * A part that cannot be read is null, never an error: the page is read when something is wrong.
 */
export function healthView(parts: { readiness: () => Promise<Record<string, CheckState>>; queue: SyncQueue | null; probe: ActiveCallProbe | null; polling: HealthView['polling'] }) {
  const soft = <T>(work: Promise<T>): Promise<T | null> => within(3_000, work).catch(() => null);
  return async (): Promise<HealthView> => {
    const { queue, probe } = parts;
    const [checks, workers, counts, schedule, nodes] = await Promise.all([
      parts.readiness(),
      queue ? soft(queue.workers()) : null,
      queue ? soft(queue.counts()) : null,
      queue ? soft(queue.currentSchedule()) : null,
      probe?.nodes ? soft(probe.nodes()) : null,
    ]);
    return {
      version: packageVersion(),
      checks,
      workers,
      freeswitch: { method: probe?.method ?? 'none', nodes },
      queue: counts,
      schedule: schedule ? { pattern: schedule.pattern, timezone: schedule.tz, nextTick: schedule.next ? new Date(schedule.next).toISOString() : null } : null,
      polling: parts.polling,
    };
  };
}
