import type { Counts } from '../common/vocabulary.js';
import type { TraceStep } from './types.js';

export type { TraceStep };

/** The run ledger's shapes: a run (top-level or one domain of it), a domain's outcome, the context a run decides at its start. */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'quarantined' | 'discarded';
export type RunTrigger = 'schedule' | 'poll' | 'api' | 'cli';
/** Runs driven in the process that made them (RunPipeline.runInProcess), not through the queue: a lease says they are alive. */
export const IN_PROCESS_TRIGGERS: readonly RunTrigger[] = ['cli', 'poll'];

export interface Run {
  id: string;
  parentId: string | null;
  trigger: RunTrigger;
  scopeDomainUuid: string | null;
  /** The domains of a run the poll started (several); null otherwise. */
  scopeDomainUuids: string[] | null;
  /** The FusionPBX user of a one-user run: only its changes (and its extensions') are applied. */
  scopeUserUuid: string | null;
  /** When each domain of a poll's run changed (epoch ms, this process's clock), for the lag metric. */
  changeHints: Record<string, number> | null;
  scopeKey: string;
  dryRun: boolean;
  status: RunStatus;
  actor: string | null;
  counts: Counts;
  error: string | null;
  quarantineReason: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  discardedBy: string | null;
  discardedAt: string | null;
}

export interface DomainOutcomeRow {
  id: string;
  domainUuid: string;
  status: RunStatus;
  counts: Counts;
  error?: string | null;
  /** The domain's fingerprint after this run, when it has one (see sync/fingerprint.ts). */
  fingerprint?: string | null;
  /** When the domain was last planned in full (now, unless it was skipped as unchanged). */
  reconciledAt?: string | null;
  /** A one-user run's steps, in order. */
  trace?: TraceStep[] | null;
}


export interface LastDomainSync {
  runId: string;
  fingerprint: string | null;
  counts: Counts;
  reconciledAt: string;
}

/** The context a run decides once at its start and its domains read. */
export interface RunContext {
  /** `apply` writes the store; `record` (dry run, quarantine) keeps the plans only. */
  mode: 'apply' | 'record';
  quarantineReason: string | null;
  emailWinners: Record<string, string>;
  unknownDomains: Array<{ uuid: string; name: string; enabled: boolean }>;
  /** Each domain's upstream digest, taken at the run's start (sources that can digest). */
  upstreamDigests: Record<string, string>;
  /** Every domain the run covers: at its end, each must have a result. */
  domainUuids: string[];
}
