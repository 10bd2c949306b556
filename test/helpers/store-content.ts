import type { Knex } from 'knex';

/**
 * The store's synced content by natural keys (FusionPBX uuids, tenant sync keys), without the
 * ids and timestamps each run generates: two stores that synced the same data compare equal.
 */
export async function storeContent(db: Knex) {
  const tenants = await db.raw<{ rows: unknown[] }>(`select sync_key, name, enabled from tenants order by sync_key`);
  const domains = await db.raw<{ rows: unknown[] }>(
    `select d.fusionpbx_domain_uuid, d.name, d.enabled, d.present, t.sync_key from domains d join tenants t on t.id = d.tenant_id order by 1`,
  );
  const users = await db.raw<{ rows: unknown[] }>(
    `select u.fusionpbx_user_uuid, u.email, u.first_name, u.last_name, u.role, u.status, u.disabled_by, u.disabled_reason, u.source,
            u.username, u.upstream_role, t.sync_key
     from users u join tenants t on t.id = u.tenant_id order by u.fusionpbx_user_uuid nulls last, u.email`,
  );
  const extensions = await db.raw<{ rows: unknown[] }>(
    `select e.fusionpbx_extension_uuid, e.number, e.number_alias, e.caller_id_name, e.first_name, e.last_name, e.user_context,
            e.enabled, e.present, e.link_source, u.fusionpbx_user_uuid as owner, t.sync_key
     from extensions e join tenants t on t.id = e.tenant_id left join users u on u.id = e.user_id order by 1`,
  );
  return { tenants: tenants.rows, domains: domains.rows, users: users.rows, extensions: extensions.rows };
}

/**
 * Domains the store holds only part of. A domain is synced in one transaction, so whatever a
 * fault interrupted, each domain has all of its users and extensions or none.
 */
export async function partialDomains(db: Knex, expected: { users: Map<string, number>; extensions: Map<string, number> }): Promise<string[]> {
  const count = async (table: string) => {
    const rows = await db.raw<{ rows: Array<{ d: string; n: number }> }>(`select fusionpbx_domain_uuid as d, count(*)::int as n from ${table} group by 1`);
    return new Map(rows.rows.map((r) => [r.d, r.n]));
  };
  const [users, extensions] = [await count('users'), await count('extensions')];
  const present = new Set([...users.keys(), ...extensions.keys()]);
  return [...present].filter((d) => users.get(d) !== expected.users.get(d) || extensions.get(d) !== expected.extensions.get(d));
}

/** How many users and extensions each domain of a factory has. */
export function perDomain(f: { users: Array<{ domainUuid: string }>; extensions: Array<{ domainUuid: string }> }) {
  const tally = (rows: Array<{ domainUuid: string }>) => rows.reduce((m, r) => m.set(r.domainUuid, (m.get(r.domainUuid) ?? 0) + 1), new Map<string, number>());
  return { users: tally(f.users), extensions: tally(f.extensions) };
}

/**
 * The part of a store both sources can fill: tenants, each user's tenant, status and extension
 * numbers, and each extension's number, state and owner, by FusionPBX uuid. Emails, roles, names,
 * aliases and contexts are left out: the REST app does not return them.
 */
export async function sourceNeutralContent(db: Knex) {
  const tenants = await db.raw<{ rows: unknown[] }>(`select sync_key, name, enabled from tenants order by sync_key`);
  const users = await db.raw<{ rows: unknown[] }>(
    `select u.fusionpbx_user_uuid, t.sync_key, u.status, u.source,
            coalesce(array_agg(e.number order by e.number) filter (where e.id is not null), '{}') as extensions
     from users u join tenants t on t.id = u.tenant_id left join extensions e on e.user_id = u.id
     group by u.id, t.sync_key order by u.fusionpbx_user_uuid`,
  );
  const extensions = await db.raw<{ rows: unknown[] }>(
    `select e.fusionpbx_extension_uuid, e.number, e.enabled, e.present, u.fusionpbx_user_uuid as owner, t.sync_key
     from extensions e join tenants t on t.id = e.tenant_id left join users u on u.id = e.user_id order by 1`,
  );
  return { tenants: tenants.rows, users: users.rows, extensions: extensions.rows };
}
