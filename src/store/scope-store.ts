import type { Db } from '../common/postgres.js';
import type { User } from './types.js';

/** Whole-scope reads a run makes once, before its domains: for the safety guard and email claims. */
export class ScopeStore {
  /** Synced users of the scope (some domains, or all: null). */
  async syncedUsers(db: Db, domainUuids: string[] | null): Promise<Array<Pick<User, 'fusionpbxUserUuid' | 'fusionpbxDomainUuid' | 'status'>>> {
    const rows = await db('users')
      .select('fusionpbx_user_uuid', 'fusionpbx_domain_uuid', 'status')
      .where('source', 'fusionpbx')
      .modify((b) => (domainUuids ? b.whereRaw('fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids]) : b));
    return rows.map((r: Record<string, string>) => ({
      fusionpbxUserUuid: r.fusionpbx_user_uuid ?? null,
      fusionpbxDomainUuid: r.fusionpbx_domain_uuid ?? null,
      status: r.status as User['status'],
    }));
  }

  /** A page of the synced users of every domain, in uuid order, after the given uuid. */
  async syncedUsersPage(db: Db, after: string | null, limit: number): Promise<Array<Pick<User, 'fusionpbxUserUuid' | 'fusionpbxDomainUuid' | 'status'>>> {
    const rows = await db('users')
      .select('fusionpbx_user_uuid', 'fusionpbx_domain_uuid', 'status')
      .where('source', 'fusionpbx')
      .modify((b) => (after ? b.where('fusionpbx_user_uuid', '>', after) : b))
      .orderBy('fusionpbx_user_uuid')
      .limit(limit);
    return rows.map((r: Record<string, string>) => ({ fusionpbxUserUuid: r.fusionpbx_user_uuid ?? null, fusionpbxDomainUuid: r.fusionpbx_domain_uuid ?? null, status: r.status as User['status'] }));
  }

  /** Domains the store knows within the scope (some domains, or all: null). */
  async domains(db: Db, domainUuids: string[] | null): Promise<Array<{ uuid: string; name: string; present: boolean }>> {
    const rows = await db('domains')
      .select('fusionpbx_domain_uuid', 'name', 'present')
      .modify((b) => (domainUuids ? b.whereRaw('fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids]) : b));
    return rows.map((r: Record<string, unknown>) => ({ uuid: String(r.fusionpbx_domain_uuid), name: String(r.name), present: Boolean(r.present) }));
  }

  /** The FusionPBX user currently holding each of these emails in the store (null for a manual user). */
  async emailHolders(db: Db, emails: string[]): Promise<Map<string, string | null>> {
    if (emails.length === 0) return new Map();
    const rows = await db('users').select('email', 'fusionpbx_user_uuid').whereRaw('email = any(?::text[])', [emails]);
    return new Map(rows.map((r: Record<string, string | null>) => [String(r.email), r.fusionpbx_user_uuid ?? null]));
  }

  /** A domain the store knows, by uuid or by name (case-insensitive, trailing dot ignored). */
  async findDomain(db: Db, ref: string): Promise<string | null> {
    const name = ref.trim().toLowerCase().replace(/\.+$/, '');
    const row = await db('domains')
      .select('fusionpbx_domain_uuid')
      .whereRaw('fusionpbx_domain_uuid::text = ? or lower(name) = ?', [name, name])
      .first();
    return row ? String(row.fusionpbx_domain_uuid) : null;
  }

  /** A synced user's FusionPBX uuid and domain, by its uuid or by username within a domain (case-insensitive). */
  async findSyncedUser(db: Db, ref: { userUuid: string } | { domainUuid: string; username: string }): Promise<{ userUuid: string; domainUuid: string } | null> {
    const row = await db('users')
      .select('fusionpbx_user_uuid', 'fusionpbx_domain_uuid')
      .whereNotNull('fusionpbx_user_uuid')
      .modify((b) =>
        'userUuid' in ref ? b.where('fusionpbx_user_uuid', ref.userUuid) : b.where('fusionpbx_domain_uuid', ref.domainUuid).whereRaw('lower(username) = lower(?)', [ref.username]),
      )
      .first();
    return row ? { userUuid: String(row.fusionpbx_user_uuid), domainUuid: String(row.fusionpbx_domain_uuid) } : null;
  }
}
