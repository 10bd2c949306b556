import type { Db } from '../common/postgres.js';
import { fromRow } from './tables.js';
import type { Tenant } from './types.js';

export interface TenantView extends Tenant {
  fusionpbxDomainUuids: string[];
}

/** Tenants, with the FusionPBX domains that feed them. */
export class TenantStore {
  async list(db: Db, limit: number, afterId: string | null): Promise<TenantView[]> {
    const rows = await db('tenants as t')
      .select('t.*', db.raw(`coalesce(array_agg(d.fusionpbx_domain_uuid::text order by d.fusionpbx_domain_uuid) filter (where d.fusionpbx_domain_uuid is not null), '{}') as domain_uuids`))
      .leftJoin('domains as d', 'd.tenant_id', 't.id')
      .modify((b) => (afterId ? b.where('t.id', '>', afterId) : b))
      .groupBy('t.id')
      .orderBy('t.id')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({ ...fromRow<Tenant>('tenant', r), fusionpbxDomainUuids: r.domain_uuids as string[] }));
  }

  async get(db: Db, id: string): Promise<Tenant | null> {
    const row = await db('tenants').where({ id }).first();
    return row ? fromRow<Tenant>('tenant', row) : null;
  }

  /** Serialises changes that count a tenant's admins (two concurrent demotions cannot both pass). */
  async lock(db: Db, id: string): Promise<void> {
    await db('tenants').where({ id }).forUpdate().first('id');
  }

  /** Enabled admins of the tenant other than `exceptUserId`. */
  async otherEnabledAdmins(db: Db, tenantId: string, exceptUserId: string): Promise<number> {
    const [row] = await db('users')
      .where({ tenant_id: tenantId, role: 'admin', status: 'enabled' })
      .whereNot('id', exceptUserId)
      .count<{ count: number }[]>('* as count');
    return Number(row?.count ?? 0);
  }
}
