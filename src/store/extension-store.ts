import type { CallTarget } from '../common/vocabulary.js';
import type { Db } from '../common/postgres.js';
import { fromRow } from './tables.js';
import type { Extension } from './types.js';

export interface ExtensionFilter {
  tenantId?: string;
  unassigned?: boolean;
  userId?: string;
}

/** Extensions as the admin API lists them, and as the active-call probe needs them. */
export class ExtensionStore {
  async list(db: Db, filter: ExtensionFilter, limit: number, afterId: string | null): Promise<Extension[]> {
    const rows = await db('extensions')
      .modify((b) => {
        if (filter.tenantId) b.where('tenant_id', filter.tenantId);
        if (filter.userId) b.where('user_id', filter.userId);
        if (filter.unassigned === true) b.whereNull('user_id');
        if (filter.unassigned === false) b.whereNotNull('user_id');
        if (afterId) b.where('id', '>', afterId);
      })
      .orderBy('id')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => fromRow<Extension>('extension', r));
  }

  async get(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<Extension | null> {
    const row = await db('extensions')
      .where({ id })
      .modify((b) => (options.forUpdate ? b.forUpdate() : b))
      .first();
    return row ? fromRow<Extension>('extension', row) : null;
  }

  async ofUser(db: Db, userId: string): Promise<Extension[]> {
    const rows = await db('extensions').where({ user_id: userId }).orderBy(['number', 'id']);
    return rows.map((r: Record<string, unknown>) => fromRow<Extension>('extension', r));
  }

  /** What the probe needs to find these extensions in FreeSWITCH: number, alias, domain name, context. */
  async callTargets(db: Db, extensionIds: string[]): Promise<CallTarget[]> {
    if (extensionIds.length === 0) return [];
    const rows = await db('extensions as e')
      .join('domains as d', 'd.fusionpbx_domain_uuid', 'e.fusionpbx_domain_uuid')
      .whereIn('e.id', extensionIds)
      .select('e.id', 'e.fusionpbx_domain_uuid', 'e.number', 'e.number_alias', 'e.user_context', 'd.name');
    return rows.map((r: Record<string, string | null>) => ({
      extensionId: r.id!,
      fusionpbxDomainUuid: r.fusionpbx_domain_uuid!,
      number: r.number!,
      numberAlias: r.number_alias ?? null,
      domainName: r.name!,
      userContext: r.user_context ?? null,
    }));
  }
}
