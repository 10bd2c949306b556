import { ActivationLogStore } from './activation-log-store.js';
import { ChangeStore } from './change-store.js';
import { ExclusionStore } from './exclusion-store.js';
import { ExtensionStore } from './extension-store.js';
import { PollStateStore } from './poll-state-store.js';
import { RunStore } from './run-store.js';
import { ScopeStore } from './scope-store.js';
import { TenantStore } from './tenant-store.js';
import { UserStore } from './user-store.js';

/** Every store of the users store, one per table group; each takes a knex instance or a transaction per call. */
export interface Stores {
  runs: RunStore;
  changes: ChangeStore;
  activationLog: ActivationLogStore;
  scope: ScopeStore;
  users: UserStore;
  extensions: ExtensionStore;
  tenants: TenantStore;
  exclusions: ExclusionStore;
  pollState: PollStateStore;
}

export function createStores(): Stores {
  return {
    runs: new RunStore(),
    changes: new ChangeStore(),
    activationLog: new ActivationLogStore(),
    scope: new ScopeStore(),
    users: new UserStore(),
    extensions: new ExtensionStore(),
    tenants: new TenantStore(),
    exclusions: new ExclusionStore(),
    pollState: new PollStateStore(),
  };
}
