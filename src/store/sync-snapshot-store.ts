import type { Db } from './db.js';
import { fromRow } from './tables.js';
import type { Domain, Extension, StoreSnapshot, Tenant, User } from './types.js';

export const USER_COLUMNS = [
  'id',
  'tenant_id',
  'email',
  'first_name',
  'last_name',
  'role',
  'status',
  'disabled_by',
  'disabled_reason',
  'disabled_until',
  'source',
  'fusionpbx_user_uuid',
  'fusionpbx_domain_uuid',
  'username',
  'upstream_role',
];

export interface SnapshotQuery {
  /** The tenant the domain maps to; null for a removed domain (its current tenant is used). */
  syncKey: string | null;
  domainUuid: string;
  userUuids: string[];
  emails: string[];
  extensionUuids: string[];
}

/** Reads, inside the domain's transaction, everything its plan may touch. */
export async function loadStoreSnapshot(db: Db, q: SnapshotQuery): Promise<StoreSnapshot> {
  const tenantRow = q.syncKey
    ? await db('tenants').where({ sync_key: q.syncKey }).first()
    : await db('tenants as t').join('domains as d', 'd.tenant_id', 't.id').where('d.fusionpbx_domain_uuid', q.domainUuid).first('t.*');
  const tenant = tenantRow ? fromRow<Tenant>('tenant', tenantRow) : null;
  const tenantId = tenant?.id ?? null;

  const domainRows: Array<Record<string, unknown>> = await db('domains')
    .where('fusionpbx_domain_uuid', q.domainUuid)
    .modify((b) => (tenantId ? b.orWhere('tenant_id', tenantId) : b));
  const userRows: Array<Record<string, unknown>> = await db('users')
    .select(USER_COLUMNS)
    .where('fusionpbx_domain_uuid', q.domainUuid)
    .modify((b) => (tenantId ? b.orWhere((w) => w.where('tenant_id', tenantId).andWhere('source', 'manual')) : b))
    .orWhereRaw('fusionpbx_user_uuid = any(?::uuid[])', [q.userUuids])
    .orWhereRaw('email = any(?::text[])', [q.emails]);
  const extensionRows: Array<Record<string, unknown>> = await db('extensions')
    .where('fusionpbx_domain_uuid', q.domainUuid)
    .orWhereRaw('fusionpbx_extension_uuid = any(?::uuid[])', [q.extensionUuids]);
  const excluded = await db('user_exclusions').whereRaw('fusionpbx_user_uuid = any(?::uuid[])', [q.userUuids]).pluck('fusionpbx_user_uuid');

  return {
    tenant,
    domains: domainRows.map((r) => fromRow<Domain>('domain', r)),
    users: userRows.map((r) => fromRow<User>('user', r)),
    extensions: extensionRows.map((r) => fromRow<Extension>('extension', r)),
    excludedUserUuids: excluded.map(String),
  };
}

/** Serialises every sync of one domain across workers and processes, until the transaction ends. */
export async function lockDomain(db: Db, domainUuid: string): Promise<void> {
  await db.raw(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`fps-domain:${domainUuid}`]);
}
