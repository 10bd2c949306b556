import type { Knex } from 'knex';

/**
 * Change polling and one-user runs. A run the poll starts (trigger `poll`) covers the domains it
 * found changed (`scope_domain_uuids`), with when each changed (`change_hints`, for the lag
 * metric). A one-user run names its user (`scope_user_uuid`) and keeps, on its domain's row, the
 * steps it took (`trace`). The poll's baseline (each FusionPBX table's per-domain signatures at the
 * last tick that read it) lives in `poll_state`, so a restarted daemon finds what changed while it
 * was down.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table sync_runs drop constraint if exists sync_runs_trigger_check');
  await knex.raw(`alter table sync_runs add constraint sync_runs_trigger_check check (trigger in ('schedule', 'poll', 'api', 'cli'))`);
  await knex.raw('alter table sync_runs add column scope_domain_uuids uuid[], add column scope_user_uuid uuid, add column change_hints jsonb, add column trace jsonb');
  await knex.raw('create table poll_state (fusionpbx_table text primary key, signatures jsonb not null, updated_at timestamptz not null default now())');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists poll_state');
  await knex.raw(`delete from sync_runs where trigger = 'poll'`);
  await knex.raw('alter table sync_runs drop column scope_domain_uuids, drop column scope_user_uuid, drop column change_hints, drop column trace');
  await knex.raw('alter table sync_runs drop constraint if exists sync_runs_trigger_check');
  await knex.raw(`alter table sync_runs add constraint sync_runs_trigger_check check (trigger in ('schedule', 'api', 'cli'))`);
}
