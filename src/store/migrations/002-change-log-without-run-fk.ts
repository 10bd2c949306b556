import type { Knex } from 'knex';

/**
 * The change log's run id loses its foreign key: a full sync writes a change row per object, and
 * the per-row check of the key cost about a second of Postgres CPU at 100,000 users. Only the sync
 * writes run ids here, for a run it has just created; the retention prune deletes a run's changes
 * with the run (`RunStore.deleteFinishedBefore`), which the cascade used to do.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table sync_changes drop constraint if exists sync_changes_run_id_fkey');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('delete from sync_changes c where c.run_id is not null and not exists (select 1 from sync_runs r where r.id = c.run_id)');
  await knex.raw('alter table sync_changes add constraint sync_changes_run_id_fkey foreign key (run_id) references sync_runs (id) on delete cascade');
}
