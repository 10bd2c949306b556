import { groupBy } from '../common/collections.js';
import { selectJson, type Db } from '../common/postgres.js';
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

const EXTENSION_COLUMNS = [
  'id',
  'tenant_id',
  'fusionpbx_extension_uuid',
  'fusionpbx_domain_uuid',
  'number',
  'number_alias',
  'caller_id_name',
  'first_name',
  'last_name',
  'user_context',
  'enabled',
  'present',
  'user_id',
  'link_source',
];

export interface SnapshotQuery {
  /** The tenant the domain maps to; null for a removed domain (its current tenant is used). */
  syncKey: string | null;
  domainUuid: string;
  userUuids: string[];
  emails: string[];
  extensionUuids: string[];
}

/**
 * Reads everything the plans of these domains may touch: five queries for the whole batch, then
 * each domain gets its part. Inside a domain's transaction it is called with that one domain.
 */
export async function loadStoreSnapshots(db: Db, queries: SnapshotQuery[]): Promise<StoreSnapshot[]> {
  if (queries.length === 0) return [];
  const rows = await readRows(db, queries);
  const users = rows.users;
  const ix = {
    domainsByDomain: groupBy(rows.domains, (d) => d.fusionpbxDomainUuid),
    domainsByTenant: groupBy(rows.domains, (d) => d.tenantId),
    usersByDomain: groupBy(users, (u) => u.fusionpbxDomainUuid),
    manualByTenant: groupBy(users.filter((u) => u.source === 'manual'), (u) => u.tenantId),
    userByFusionpbx: new Map(users.flatMap((u) => (u.fusionpbxUserUuid ? [[u.fusionpbxUserUuid, u] as const] : []))),
    userByEmail: new Map(users.flatMap((u) => (u.email ? [[u.email, u] as const] : []))),
    extensionsByDomain: groupBy(rows.extensions, (e) => e.fusionpbxDomainUuid),
    extensionByUuid: new Map(rows.extensions.map((e) => [e.fusionpbxExtensionUuid, e])),
  };
  const pick = <T>(...lists: Array<Array<T | undefined> | undefined>): T[] => [...new Set(lists.flatMap((l) => l ?? []).filter((x): x is T => x !== undefined))];
  return queries.map((q) => {
    const tenant = (q.syncKey ? rows.tenants.find((t) => t.tenant.syncKey === q.syncKey) : rows.tenants.find((t) => t.viaDomain === q.domainUuid))?.tenant ?? null;
    return {
      tenant,
      domains: pick(ix.domainsByDomain.get(q.domainUuid), tenant ? ix.domainsByTenant.get(tenant.id) : undefined),
      users: pick(
        ix.usersByDomain.get(q.domainUuid),
        tenant ? ix.manualByTenant.get(tenant.id) : undefined,
        q.userUuids.map((u) => ix.userByFusionpbx.get(u)),
        q.emails.map((e) => ix.userByEmail.get(e)),
      ),
      extensions: pick(ix.extensionsByDomain.get(q.domainUuid), q.extensionUuids.map((e) => ix.extensionByUuid.get(e))),
      excludedUserUuids: q.userUuids.filter((u) => rows.excluded.has(u)),
    };
  });
}

/** The five reads of a batch: tenants, domains, users, extensions and exclusions any of its domains may touch. */
async function readRows(db: Db, queries: SnapshotQuery[]) {
  const domainUuids = queries.map((q) => q.domainUuid);
  const userUuids = queries.flatMap((q) => q.userUuids);
  const keys = queries.flatMap((q) => (q.syncKey ? [q.syncKey] : []));
  const tenantRows: Array<Record<string, unknown>> = await db('tenants as t')
    .select('t.id', 't.name', 't.enabled', 't.sync_key', 'd.fusionpbx_domain_uuid as via_domain')
    .leftJoin('domains as d', 'd.tenant_id', 't.id')
    .whereRaw('t.sync_key = any(?::text[])', [keys])
    .orWhereRaw('d.fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids]);
  const tenants = tenantRows.map((r) => ({ tenant: fromRow<Tenant>('tenant', r), viaDomain: (r.via_domain as string | null) ?? null }));
  const tenantIds = [...new Set(tenants.map((t) => t.tenant.id))];
  // One after another: they share the transaction's connection.
  const domainRows: Array<Record<string, unknown>> = await db('domains')
    .select('fusionpbx_domain_uuid', 'tenant_id', 'name', 'enabled', 'present')
    .whereRaw('fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids])
    .orWhereRaw('tenant_id = any(?::uuid[])', [tenantIds]);
  const userRows = await selectJson(
    db,
    db('users')
      .select(USER_COLUMNS)
      .whereRaw('fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids])
      .orWhere((w) => w.whereRaw('tenant_id = any(?::uuid[])', [tenantIds]).andWhere('source', 'manual'))
      .orWhereRaw('fusionpbx_user_uuid = any(?::uuid[])', [userUuids])
      .orWhereRaw('email = any(?::text[])', [queries.flatMap((q) => q.emails)]),
  );
  const extensionRows = await selectJson(
    db,
    db('extensions')
      .select(EXTENSION_COLUMNS)
      .whereRaw('fusionpbx_domain_uuid = any(?::uuid[])', [domainUuids])
      .orWhereRaw('fusionpbx_extension_uuid = any(?::uuid[])', [queries.flatMap((q) => q.extensionUuids)]),
  );
  const excluded: string[] = await db('user_exclusions').whereRaw('fusionpbx_user_uuid = any(?::uuid[])', [userUuids]).pluck('fusionpbx_user_uuid');
  return {
    tenants,
    domains: domainRows.map((r) => fromRow<Domain>('domain', r)),
    users: userRows.map((r) => fromRow<User>('user', r)),
    extensions: extensionRows.map((r) => fromRow<Extension>('extension', r)),
    excluded: new Set(excluded.map(String)),
  };
}

/**
 * Serialises every sync of these domains across workers and processes, until the transaction
 * ends. The locks are taken in one order (by key), so two transactions holding several never wait
 * on each other. The transaction commits without waiting for its WAL flush: a sync is idempotent
 * and retried, so losing its last commits to a server crash only means the next run writes them
 * again.
 */
export async function lockDomains(db: Db, domainUuids: string[]): Promise<void> {
  const keys = [...new Set(domainUuids)].sort().map((uuid) => `fps-domain:${uuid}`);
  await db.raw(
    `select set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtextextended(k, 0)) from (select k from unnest(?::text[]) as k order by k) as ordered`,
    [keys],
  );
}
