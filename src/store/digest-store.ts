import type { Db } from '../common/postgres.js';

/**
 * One digest per domain over every store row a plan of that domain reads and may not itself
 * guard: the domain and its tenant, the tenant's other domains, the domain's users and extensions,
 * the tenant's manual users, the tenant's exclusions. Each row's values are hashed to 64 bits with
 * `hash_record_extended` (PostgreSQL 14+; a third of the cost of hashing the row as text) and the
 * hashes summed, as in the upstream digest. (A plan also looks at users of other tenants holding
 * an email it wants; a domain with such a conflict gets no fingerprint.)
 */
const STORE_DIGEST_SQL = `
with d as (select fusionpbx_domain_uuid, tenant_id from domains where (?::uuid[] is null or fusionpbx_domain_uuid = any(?::uuid[]))),
du as (
  select u.fusionpbx_domain_uuid as domain, count(*) as n,
         sum(hash_record_extended(row(u.id, u.tenant_id, u.email, u.first_name, u.last_name, u.role, u.status, u.disabled_by, u.disabled_reason,
                                  u.disabled_until, u.source, u.fusionpbx_user_uuid, u.fusionpbx_domain_uuid, u.username, u.upstream_role), 0)) as h
  from users u where u.fusionpbx_domain_uuid in (select fusionpbx_domain_uuid from d) group by 1
),
de as (
  select e.fusionpbx_domain_uuid as domain, count(*) as n,
         sum(hash_record_extended(row(e.id, e.tenant_id, e.fusionpbx_extension_uuid, e.number, e.number_alias, e.caller_id_name, e.first_name, e.last_name,
                                  e.user_context, e.enabled, e.present, e.user_id, e.link_source), 0)) as h
  from extensions e where e.fusionpbx_domain_uuid in (select fusionpbx_domain_uuid from d) group by 1
),
tm as (
  select m.tenant_id, count(*) as n, sum(hash_record_extended(row(m.id, m.email, m.status, m.role), 0)) as h
  from users m where m.source = 'manual' and m.tenant_id in (select tenant_id from d) group by 1
),
td as (
  select o.tenant_id, sum(hash_record_extended(row(o.fusionpbx_domain_uuid, o.name, o.enabled, o.present), 0)) as h
  from domains o where o.tenant_id in (select tenant_id from d) group by 1
),
tx as (
  select x.tenant_id, count(*) as n, sum(hash_record_extended(row(x.fusionpbx_user_uuid), 0)) as h
  from user_exclusions x where x.tenant_id in (select tenant_id from d) group by 1
)
select d.fusionpbx_domain_uuid::text as domain_uuid,
       md5(row(t.id, t.name, t.enabled, t.sync_key, td.h, du.n, du.h, de.n, de.h, tm.n, tm.h, tx.n, tx.h)::text) as digest
from d
join tenants t on t.id = d.tenant_id
left join td on td.tenant_id = d.tenant_id
left join du on du.domain = d.fusionpbx_domain_uuid
left join de on de.domain = d.fusionpbx_domain_uuid
left join tm on tm.tenant_id = d.tenant_id
left join tx on tx.tenant_id = d.tenant_id`;

export async function storeDigests(db: Db, domainUuids: string[] | null): Promise<Map<string, string>> {
  if (domainUuids?.length === 0) return new Map();
  const result = await db.raw<{ rows: Array<{ domain_uuid: string; digest: string }> }>(STORE_DIGEST_SQL, [domainUuids, domainUuids]);
  return new Map(result.rows.map((r) => [r.domain_uuid, r.digest]));
}
