import type { Knex } from 'knex';
import type { MaxDisable } from '../config/max-disable.js';
import type { FusionpbxSource } from '../sources/source.js';
import type { PollStateStore } from '../store/poll-state-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import type { DomainSyncDeps } from './domain-sync.js';

export interface SyncSettings {
  maxDisable: MaxDisable;
  maxDisableFloor: number;
  /** Every domain is planned in full at least this often, even when its fingerprint has not moved. */
  fullReconcileHours: number;
  /** How long a run started by this process may go without a heartbeat before another may take its scope. */
  leaseMs: number;
  /** Attempts of a step that fails in a way a retry may get past, when running in-process (the queue: BullMQ's attempts). */
  attempts: number;
  retryDelayMs: number;
}

export interface SyncServiceDeps extends DomainSyncDeps {
  db: Knex;
  source: FusionpbxSource;
  scope: ScopeStore;
  pollState: PollStateStore;
  settings: SyncSettings;
}
