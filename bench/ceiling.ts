import type { Knex } from 'knex';
import { mergeSearchPending } from '../src/store/search-pending.js';

/**
 * The ceiling: the same tenants, domains, users and extensions written by plain SQL, no
 * application code — FusionPBX's rows pulled over dblink (as the daemon pulls them over its own
 * connection) and written with INSERT ... SELECT ... ON CONFLICT, duplicate emails given to the
 * lowest user_uuid, each extension linked to its lowest linked user. Runs in the store database,
 * into our schema (its trigram index, foreign keys and constraints): the same end state as a sync.
 */
export async function writeCeiling(store: Knex, fusionpbxDatabase: string): Promise<void> {
  await store.raw('create extension if not exists dblink');
  await store.transaction(async (trx) => {
    await pullSource(trx, fusionpbxDatabase);
    await writeOurs(trx);
  });
}

/** FusionPBX's rows over dblink into temp tables of the transaction, as the daemon reads them. */
async function pullSource(trx: Knex.Transaction, fusionpbxDatabase: string): Promise<void> {
  const conn = `dbname=${fusionpbxDatabase} host=127.0.0.1 user=postgres`;
  await trx.raw(`set local jit = off`);
  await trx.raw(`create temp table src_domains on commit drop as
    select * from dblink(?, 'select domain_uuid, domain_name, domain_enabled from v_domains') as t(domain_uuid uuid, domain_name text, domain_enabled boolean)`, [conn]);
  await trx.raw(
    `create temp table src_users on commit drop as select * from dblink(?, $q$
      select u.user_uuid, u.domain_uuid, u.username, u.user_enabled::text,
             lower(btrim(coalesce(nullif(btrim(u.user_email), ''), ce.email_address))), c.contact_name_given, c.contact_name_family
      from v_users u left join v_contacts c on c.contact_uuid = u.contact_uuid
      left join (select distinct on (contact_uuid) contact_uuid, email_address from v_contact_emails
                 order by contact_uuid, (email_primary::text in ('1', 'true')) desc) ce on ce.contact_uuid = u.contact_uuid $q$)
      as t(user_uuid uuid, domain_uuid uuid, username text, user_enabled text, email text, given text, family text)`,
    [conn],
  );
  await trx.raw(
    `create temp table src_ext on commit drop as select * from dblink(?, $q$
      select e.extension_uuid, e.domain_uuid, e.extension, e.number_alias, e.effective_caller_id_name, e.directory_first_name,
             e.directory_last_name, e.user_context, e.enabled::text, l.owner
      from v_extensions e left join (select eu.extension_uuid, min(eu.user_uuid::text)::uuid as owner from v_extension_users eu
                                     join v_users x on x.user_uuid = eu.user_uuid group by eu.extension_uuid) l on l.extension_uuid = e.extension_uuid $q$)
      as t(extension_uuid uuid, domain_uuid uuid, extension text, number_alias text, caller text, first text, last text, ctx text, enabled text, owner uuid)`,
    [conn],
  );
}

/** The ceiling's writes into our schema, from the pulled rows. */
async function writeOurs(trx: Knex.Transaction): Promise<void> {
  await trx.raw(`insert into tenants (id, name, enabled, sync_key)
    select gen_random_uuid(), domain_name, domain_enabled, 'domain:' || domain_uuid from src_domains
    on conflict (sync_key) do update set name = excluded.name, enabled = excluded.enabled
    where (tenants.name, tenants.enabled) is distinct from (excluded.name, excluded.enabled)`);
  await trx.raw(`insert into domains (fusionpbx_domain_uuid, tenant_id, name, enabled)
    select d.domain_uuid, t.id, d.domain_name, d.domain_enabled from src_domains d join tenants t on t.sync_key = 'domain:' || d.domain_uuid
    on conflict (fusionpbx_domain_uuid) do nothing`);
  await trx.raw(`insert into users (id, tenant_id, email, first_name, last_name, role, status, source, fusionpbx_user_uuid, fusionpbx_domain_uuid, username, upstream_role)
    select gen_random_uuid(), t.id, case when row_number() over (partition by u.email order by u.user_uuid) = 1 then u.email end,
           u.given, u.family, 'user', case when coalesce(u.user_enabled, 'true') in ('true', 't') then 'enabled' else 'disabled' end,
           'fusionpbx', u.user_uuid, u.domain_uuid, u.username, 'user'
    from src_users u join tenants t on t.sync_key = 'domain:' || u.domain_uuid
    on conflict (fusionpbx_user_uuid) do nothing`);
  await trx.raw(`insert into extensions (id, tenant_id, fusionpbx_extension_uuid, fusionpbx_domain_uuid, number, number_alias, caller_id_name,
                                         first_name, last_name, user_context, enabled, user_id, link_source)
    select gen_random_uuid(), t.id, e.extension_uuid, e.domain_uuid, e.extension, e.number_alias, e.caller, e.first, e.last, e.ctx,
           e.enabled in ('true', 't'), u.id, case when u.id is not null then 'sync' end
    from src_ext e join tenants t on t.sync_key = 'domain:' || e.domain_uuid left join users u on u.fusionpbx_user_uuid = e.owner
    on conflict (fusionpbx_extension_uuid) do nothing`);
  // The same end state as a sync: the search index's pending list merged (one SQL statement).
  await mergeSearchPending(trx);
}

/**
 * The bare-rows ceiling: the same rows into plain tables that have only their keys and an email
 * index (no trigram index, no change log, no foreign key, no check), in an empty database. Our
 * schema's price is the gap between the two ceilings.
 */
export async function writeBareCeiling(db: Knex, fusionpbxDatabase: string): Promise<void> {
  await db.raw('create extension if not exists dblink');
  await db.raw(`create table if not exists bare_tenants (sync_key text primary key, id uuid not null, name text, enabled boolean)`);
  await db.raw(`create table if not exists bare_users (fusionpbx_user_uuid uuid primary key, tenant_id uuid, email text, first_name text, last_name text,
                role text, status text, username text)`);
  await db.raw(`create index if not exists bare_users_email on bare_users (email)`);
  await db.raw(`create table if not exists bare_extensions (fusionpbx_extension_uuid uuid primary key, tenant_id uuid, number text, number_alias text,
                caller_id_name text, first_name text, last_name text, user_context text, enabled boolean, user_id uuid)`);
  await db.transaction(async (trx) => {
    await pullSource(trx, fusionpbxDatabase);
    await trx.raw(`insert into bare_tenants (sync_key, id, name, enabled) select 'domain:' || domain_uuid, gen_random_uuid(), domain_name, domain_enabled from src_domains
      on conflict (sync_key) do update set name = excluded.name, enabled = excluded.enabled where (bare_tenants.name, bare_tenants.enabled) is distinct from (excluded.name, excluded.enabled)`);
    await trx.raw(`insert into bare_users (fusionpbx_user_uuid, tenant_id, email, first_name, last_name, role, status, username)
      select u.user_uuid, t.id, case when row_number() over (partition by u.email order by u.user_uuid) = 1 then u.email end, u.given, u.family, 'user',
             case when coalesce(u.user_enabled, 'true') in ('true', 't') then 'enabled' else 'disabled' end, u.username
      from src_users u join bare_tenants t on t.sync_key = 'domain:' || u.domain_uuid
      on conflict (fusionpbx_user_uuid) do nothing`);
    await trx.raw(`insert into bare_extensions (fusionpbx_extension_uuid, tenant_id, number, number_alias, caller_id_name, first_name, last_name, user_context, enabled, user_id)
      select e.extension_uuid, t.id, e.extension, e.number_alias, e.caller, e.first, e.last, e.ctx, e.enabled in ('true', 't'), e.owner
      from src_ext e join bare_tenants t on t.sync_key = 'domain:' || e.domain_uuid
      on conflict (fusionpbx_extension_uuid) do nothing`);
  });
}
