import { createHash } from 'node:crypto';
import type { Role } from '../common/vocabulary.js';
import type { Db } from '../common/postgres.js';
import { SearchProbe } from './search-probe.js';
import { USER_COLUMNS } from './sync-snapshot-store.js';
import { fromRow } from './tables.js';
import type { User, UserSource, UserStatus } from './types.js';

export interface UserRecord extends User {
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An extension as a user's record shows it. */
export interface HeldExtension {
  id: string;
  number: string;
}

/** A user with the extensions it holds, read in one query. */
export interface UserDetail extends UserRecord {
  extensions: HeldExtension[];
}

export interface UserFilter {
  /** Part of the email or of the name, case-insensitive. */
  q?: string;
  tenantId?: string;
  role?: Role;
  status?: UserStatus;
  source?: UserSource;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

function toRecord(row: Record<string, unknown>): UserRecord {
  const record = fromRow<UserRecord>('user', row);
  record.lastLoginAt = iso(row.last_login_at);
  record.createdAt = iso(row.created_at)!;
  record.updatedAt = iso(row.updated_at)!;
  return record;
}

function toDetail(row: Record<string, unknown>): UserDetail {
  const detail = toRecord(row) as UserDetail;
  detail.extensions = row.extensions as HeldExtension[];
  return detail;
}

const RECORD_COLUMNS = [...USER_COLUMNS, 'last_login_at', 'created_at', 'updated_at'];
/** The user's extensions in the same query (one index probe per user of the page). */
const HELD_EXTENSIONS = `coalesce((select json_agg(json_build_object('id', e.id, 'number', e.number) order by e.number, e.id)
  from extensions e where e.user_id = users.id), '[]'::json) as extensions`;

/** Reads of users for the admin API, and the few writes that are not field changes (password, login, delete). */
export class UserStore {
  constructor(private readonly searchProbe = new SearchProbe()) {}

  async get(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRecord | null> {
    const row = await db('users')
      .select(RECORD_COLUMNS)
      .where({ id })
      .modify((b) => (options.forUpdate ? b.forUpdate() : b))
      .first();
    return row ? toRecord(row) : null;
  }

  /** One user with its extensions, for the API. */
  async detail(db: Db, id: string): Promise<UserDetail | null> {
    const row = await db('users').select([...RECORD_COLUMNS, db.raw(HELD_EXTENSIONS)]).where({ id }).first();
    return row ? toDetail(row) : null;
  }

  async emailTaken(db: Db, email: string, exceptId?: string): Promise<boolean> {
    const row = await db('users')
      .where({ email })
      .modify((b) => (exceptId ? b.whereNot('id', exceptId) : b))
      .first('id');
    return row !== undefined;
  }

  /**
   * Users matching every filter, in id order (ids are time-ordered), keyset-paged. `q` uses the
   * trigram index over email and names, so a partial match is an index scan at any size.
   */
  async list(db: Db, filter: UserFilter, limit: number, afterId: string | null): Promise<UserDetail[]> {
    if (filter.q) this.searchProbe.refreshIfOld(db);
    const { sql, bindings } = this.listQuery(db, filter, limit, afterId).toSQL();
    // A named statement: each connection parses it once per shape of filter, not on every search.
    const name = `users-list-${createHash('sha1').update(sql).digest('base64url').slice(0, 12)}`;
    const result = await db.raw<{ rows: Array<Record<string, unknown>> }>(sql, bindings).options({ name });
    return result.rows.map(toDetail);
  }

  /** Learns again which trigrams are common (searches do this on their own every few minutes). */
  async refreshSearchProbe(db: Db): Promise<void> {
    await this.searchProbe.refresh(db);
  }

  /** The search query itself (the tests EXPLAIN it at 100k users). */
  listQuery(db: Db, filter: UserFilter, limit: number, afterId: string | null) {
    return db('users')
      .select([...RECORD_COLUMNS, db.raw(HELD_EXTENSIONS)])
      .modify((b) => {
        if (filter.q) {
          const text = filter.q.toLowerCase();
          const probe = this.searchProbe.probe(text);
          b.whereRaw(`search_text like ?`, [`%${escapeLike(probe)}%`]);
          // The whole text, checked on the rows the index found (strpos is not an index condition).
          if (probe !== text) b.whereRaw('strpos(search_text, ?) > 0', [text]);
        }
        if (filter.tenantId) b.where('tenant_id', filter.tenantId);
        if (filter.role) b.where('role', filter.role);
        if (filter.status) b.where('status', filter.status);
        if (filter.source) b.where('source', filter.source);
        if (afterId) b.where('id', '>', afterId);
      })
      .orderBy('id')
      .limit(limit);
  }

  async insertManual(db: Db, user: Pick<User, 'id' | 'tenantId' | 'email' | 'firstName' | 'lastName' | 'role'>, passwordHash: string): Promise<void> {
    await db('users').insert({
      id: user.id,
      tenant_id: user.tenantId,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      role: user.role,
      status: 'enabled',
      source: 'manual',
      password_hash: passwordHash,
    });
  }

  async passwordHash(db: Db, id: string): Promise<string | null> {
    const row = await db('users').where({ id }).first('password_hash');
    return (row?.password_hash as string | null) ?? null;
  }

  async setPasswordHash(db: Db, id: string, hash: string): Promise<void> {
    await db('users').where({ id }).update({ password_hash: hash, updated_at: db.raw('now()') });
  }

  async findForLogin(db: Db, email: string): Promise<{ id: string; status: UserStatus; passwordHash: string | null } | null> {
    const row = await db('users').where({ email }).first('id', 'status', 'password_hash');
    return row ? { id: String(row.id), status: row.status as UserStatus, passwordHash: (row.password_hash as string | null) ?? null } : null;
  }

  async recordLogin(db: Db, id: string): Promise<void> {
    await db('users').where({ id }).update({ last_login_at: db.raw('now()') });
  }

  /** Deletes the user; its extensions lose the link (and who made it). */
  async delete(db: Db, id: string): Promise<void> {
    await db('extensions').where({ user_id: id }).update({ user_id: null, link_source: null, updated_at: db.raw('now()') });
    await db('users').where({ id }).del();
  }

  /** Users an admin disabled until a time that has passed (the sweep behind the timed re-enable jobs). */
  async dueForReenable(db: Db, limit: number): Promise<Array<{ id: string; until: string }>> {
    const rows = await db('users')
      .select('id', 'disabled_until')
      .where({ status: 'disabled', disabled_by: 'admin' })
      .where('disabled_until', '<=', db.raw('now()'))
      .orderBy('disabled_until')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ({ id: String(r.id), until: iso(r.disabled_until)! }));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
