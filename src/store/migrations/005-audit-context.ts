import type { Knex } from 'knex';

/**
 * Who did what, from where: an admin change records the client address of its request, and a
 * discarded run who discarded it and when (an approval already recorded its actor).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table sync_changes add column client_address text');
  await knex.raw('alter table sync_runs add column discarded_by text, add column discarded_at timestamptz');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table sync_changes drop column client_address');
  await knex.raw('alter table sync_runs drop column discarded_by, drop column discarded_at');
}
