import type { Db } from '../common/postgres.js';

/**
 * Merges the pending list of the users' trigram index into the index. New entries wait in that
 * list (up to 4 MB, migration 003) and every search scans all of it, so a write of users merges it
 * before it commits: one bulk merge per write, where merging at every 256 kB cost a quarter of a
 * bulk insert. Postgres lets only the index's owner (or a superuser) merge on demand; any other
 * role skips it and the list is merged when it fills, or by autovacuum. Returns the pages merged,
 * or null when this role may not merge.
 */
export async function mergeSearchPending(db: Db): Promise<number | null> {
  const result = await db.raw<{ rows: Array<{ pages: number | null }> }>(`
    select case when pg_has_role(c.relowner, 'USAGE') then gin_clean_pending_list(c.oid)::int end as pages
    from pg_class c where c.oid = to_regclass('users_search_trgm_idx')`);
  return result.rows[0]?.pages ?? null;
}
