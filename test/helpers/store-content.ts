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
