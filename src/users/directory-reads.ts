import type { Db } from '../common/postgres.js';
import type { ExclusionStore } from '../store/exclusion-store.js';
import type { ExtensionFilter, ExtensionStore } from '../store/extension-store.js';
import type { TenantStore } from '../store/tenant-store.js';
import { extensionView, tenantView } from './views.js';

export interface DirectoryReadsDeps {
  db: Db;
  tenants: TenantStore;
  extensions: ExtensionStore;
  exclusions: ExclusionStore;
}

/** What the admin API lists besides users and runs: tenants, extensions, and the exclusions of deleted FusionPBX users. */
export class DirectoryReads {
  constructor(private readonly deps: DirectoryReadsDeps) {}

  async tenants(limit: number, afterId: string | null) {
    return (await this.deps.tenants.list(this.deps.db, limit, afterId)).map(tenantView);
  }

  async extensions(filter: ExtensionFilter, limit: number, afterId: string | null) {
    return (await this.deps.extensions.list(this.deps.db, filter, limit, afterId)).map(extensionView);
  }

  exclusions(limit: number, afterFusionpbxUserUuid: string | null) {
    return this.deps.exclusions.list(this.deps.db, limit, afterFusionpbxUserUuid);
  }
}
