import type { Knex } from 'knex';

/**
 * The users' trigram index gets Postgres's default pending list (4 MB, was 256 kB): new entries
 * wait there and are merged into the index in bulk, and merging every 256 kB cost about a quarter
 * of a bulk insert's time (100,000 users: 3.6-4.0 s of inserts against 4.7-5.4 s, in 20 batches).
 * A search scans the whole list, so every write of users merges it before it commits
 * (`mergeSearchPending`): the list stays short between writes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter index users_search_trgm_idx set (gin_pending_list_limit = 4096)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter index users_search_trgm_idx set (gin_pending_list_limit = 256)');
}
