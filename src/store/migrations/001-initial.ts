import type { Knex } from 'knex';

/**
 * The users store. Emails are stored normalised (trimmed, NFC, lower-case) and unique across the
 * platform; the constraint is deferred to commit so a sync can move an address between two users
 * inside one transaction. Search uses trigram indexes over email and names.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create extension if not exists pg_trgm');

  await knex.raw(`
    create table tenants (
      id uuid primary key,
      name text not null,
      enabled boolean not null default true,
      sync_key text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);

  await knex.raw(`
    create table domains (
      fusionpbx_domain_uuid uuid primary key,
      tenant_id uuid not null references tenants (id),
      name text not null,
      enabled boolean not null,
      present boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await knex.raw('create index domains_tenant_id_idx on domains (tenant_id)');
  await knex.raw('create index domains_name_idx on domains (lower(name))');

  await knex.raw(`
    create table users (
      id uuid primary key,
      tenant_id uuid not null references tenants (id),
      email text,
      first_name text,
      last_name text,
      role text not null check (role in ('user', 'admin', 'superadmin')),
      status text not null check (status in ('enabled', 'disabled')),
      disabled_by text check (disabled_by in ('sync', 'admin')),
      disabled_reason text,
      disabled_until timestamptz,
      source text not null check (source in ('manual', 'fusionpbx')),
      fusionpbx_user_uuid uuid unique,
      fusionpbx_domain_uuid uuid,
      username text,
      upstream_role text check (upstream_role in ('user', 'admin', 'superadmin')),
      password_hash text,
      last_login_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      search_text text generated always as (
        lower(coalesce(email, '') || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))
      ) stored,
      constraint users_email_key unique (email) deferrable initially deferred,
      constraint users_synced_has_uuid check (source = 'manual' or fusionpbx_user_uuid is not null)
    )`);
  await knex.raw('create index users_tenant_source_idx on users (tenant_id, source)');
  // Filters by role, status or source: the common value walks the id index and finds a page at
  // once; the rare values (admins, disabled, manual) have partial indexes, which bulk syncs of
  // ordinary users do not pay for.
  await knex.raw(`create index users_role_idx on users (role, id) where role <> 'user'`);
  await knex.raw(`create index users_status_idx on users (status, id) where status = 'disabled'`);
  await knex.raw(`create index users_source_idx on users (source, id) where source = 'manual'`);
  await knex.raw('create index users_domain_idx on users (fusionpbx_domain_uuid)');
  // A small pending list: a search scans it in full, so after a big sync it must stay short.
  await knex.raw('create index users_search_trgm_idx on users using gin (search_text gin_trgm_ops) with (gin_pending_list_limit = 256)');
  await knex.raw(`create index users_disabled_until_idx on users (disabled_until) where disabled_until is not null`);

  await knex.raw(`
    create table extensions (
      id uuid primary key,
      tenant_id uuid not null references tenants (id),
      fusionpbx_extension_uuid uuid not null unique,
      fusionpbx_domain_uuid uuid not null,
      number text not null,
      number_alias text,
      caller_id_name text,
      first_name text,
      last_name text,
      user_context text,
      enabled boolean not null,
      present boolean not null default true,
      user_id uuid references users (id) on delete set null,
      link_source text check (link_source in ('sync', 'admin')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await knex.raw('create index extensions_domain_idx on extensions (fusionpbx_domain_uuid)');
  await knex.raw('create index extensions_user_idx on extensions (user_id)');
  await knex.raw('create index extensions_tenant_idx on extensions (tenant_id, number)');

  await knex.raw(`
    create table sync_runs (
      id uuid primary key,
      parent_id uuid references sync_runs (id) on delete cascade,
      trigger text not null check (trigger in ('schedule', 'api', 'cli')),
      scope_domain_uuid uuid,
      scope_key text not null,
      dry_run boolean not null default false,
      status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'quarantined', 'discarded')),
      actor text,
      counts jsonb not null default '{}',
      error text,
      quarantine_reason text,
      context jsonb,
      approved_by text,
      approved_at timestamptz,
      fingerprint text,
      reconciled_at timestamptz,
      queued_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      lease_until timestamptz
    )`);
  // One live run per scope: a second trigger for the same scope joins the first.
  await knex.raw(`create unique index sync_runs_live_scope_idx on sync_runs (scope_key) where parent_id is null and status in ('queued', 'running')`);
  await knex.raw('create unique index sync_runs_domain_of_run_idx on sync_runs (parent_id, scope_domain_uuid) where parent_id is not null');
  await knex.raw('create index sync_runs_top_idx on sync_runs (queued_at desc, id desc) where parent_id is null');
  await knex.raw('create index sync_runs_status_idx on sync_runs (status) where parent_id is null');
  // The last successful (real) sync of each domain, for the metrics.
  await knex.raw(`create index sync_runs_domain_success_idx on sync_runs (scope_domain_uuid, finished_at desc) where parent_id is not null and status = 'succeeded' and not dry_run`);

  await knex.raw(`
    create table sync_changes (
      id bigint generated always as identity primary key,
      run_id uuid references sync_runs (id) on delete cascade,
      fusionpbx_domain_uuid uuid,
      kind text not null check (kind in ('change', 'conflict', 'error', 'warning')),
      entity text not null check (entity in ('tenant', 'domain', 'user', 'extension')),
      action text,
      code text,
      object_id uuid,
      fusionpbx_uuid uuid,
      before jsonb,
      after jsonb,
      message text,
      actor text not null,
      applied boolean not null,
      created_at timestamptz not null default now()
    )`);
  await knex.raw('create index sync_changes_run_idx on sync_changes (run_id, id)');
  // A user's history (GET /v1/users/:id/changes); the other entities' changes are read by run.
  await knex.raw(`create index sync_changes_user_idx on sync_changes (object_id, id) where entity = 'user'`);

  await knex.raw(`
    create table user_activation_log (
      id bigint generated always as identity primary key,
      user_id uuid not null references users (id) on delete cascade,
      action text not null check (action in ('enabled', 'disabled')),
      reason text,
      until timestamptz,
      actor text not null,
      run_id uuid,
      created_at timestamptz not null default now()
    )`);
  await knex.raw('create index user_activation_log_user_idx on user_activation_log (user_id, id)');

  await knex.raw(`
    create table user_exclusions (
      fusionpbx_user_uuid uuid primary key,
      user_id uuid,
      email text,
      username text,
      tenant_id uuid,
      reason text,
      excluded_by text not null,
      created_at timestamptz not null default now()
    )`);
  await knex.raw('create index user_exclusions_tenant_idx on user_exclusions (tenant_id)');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['user_exclusions', 'user_activation_log', 'sync_changes', 'sync_runs', 'extensions', 'users', 'domains', 'tenants']) {
    await knex.raw(`drop table if exists ${table} cascade`);
  }
}
