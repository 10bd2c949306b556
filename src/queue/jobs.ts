import { z } from 'zod';
import { BATCH } from '../sync/run-pipeline.js';

/**
 * Every job the `sync` queue carries, with its payload. Payloads are ids and options only: never
 * a secret, never an email. The worker validates each payload with these schemas before it acts.
 */
export const QUEUE_NAME = 'sync';
export const SCHEDULER_ID = 'sync-schedule';

/** Ids this daemon makes (runs, users) are RFC 9562; domain ids come from FusionPBX and may be any uuid. */
const storeId = z.uuid();

export const JOB_SCHEMAS = {
  /** A tick of the schedule: requests a whole-platform run (or joins the live one). */
  scheduled: z.object({}).strict(),
  /**
   * A run: step `start` prepares it and fans out `domains` children (batches of its domains); step
   * `finish` redoes (once, as `redo` children) any domain whose result was lost, then totals it.
   */
  run: z.object({ runId: storeId, step: z.enum(['start', 'finish']).default('start'), redone: z.boolean().default(false) }).strict(),
  /** A batch of a run's domains: validated as the in-process driver's batches are. */
  domains: BATCH,
  /** An approved quarantined run: apply its kept plans. */
  approve: z.object({ runId: storeId }).strict(),
  /** The end of a timed disable. */
  reenable: z.object({ userId: storeId, until: z.iso.datetime({ offset: true }) }).strict(),
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobData<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;
/** A job after validation: its name tells its payload's type. */
export type SyncJob = { [N in JobName]: { name: N; data: JobData<N> } }[JobName];

/** A job's name and payload validated; or why it cannot run. */
export function parseJob(name: string, data: unknown): { job: SyncJob } | { problem: string } {
  if (!Object.hasOwn(JOB_SCHEMAS, name)) return { problem: `unknown job name "${name}"` };
  const parsed = JOB_SCHEMAS[name as JobName].safeParse(data);
  if (!parsed.success) return { problem: `invalid ${name} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { job: { name, data: parsed.data } as SyncJob };
}

/** Job ids derived from what a job is about, so adding the same job twice adds it once. */
export const jobId = {
  run: (runId: string) => runId,
  /** Batches never share a domain, so the first names the batch. */
  domains: (runId: string, domainUuids: string[], redo = false) => `${runId}.${domainUuids[0]}${redo ? '.redo' : ''}`,
  approve: (runId: string) => `approve.${runId}`,
  reenable: (userId: string) => `reenable.${userId}`,
};
