import type { EntityName, Fields } from './types.js';

/** Column name and SQL type of each model field the sync writes, per entity. */
type ColumnType = 'uuid' | 'text' | 'boolean' | 'timestamptz';
type Spec = Record<string, readonly [column: string, type: ColumnType]>;

/** Per entity: its table, its key field, the field holding its FusionPBX uuid (for the change log), its columns. */
export const TABLES: Record<EntityName, { table: string; key: string; fusionpbxKey: string | null; columns: Spec }> = {
  tenant: {
    table: 'tenants',
    key: 'id',
    fusionpbxKey: null,
    columns: { id: ['id', 'uuid'], name: ['name', 'text'], enabled: ['enabled', 'boolean'], syncKey: ['sync_key', 'text'] },
  },
  domain: {
    table: 'domains',
    key: 'fusionpbxDomainUuid',
    fusionpbxKey: 'fusionpbxDomainUuid',
    columns: {
      fusionpbxDomainUuid: ['fusionpbx_domain_uuid', 'uuid'],
      tenantId: ['tenant_id', 'uuid'],
      name: ['name', 'text'],
      enabled: ['enabled', 'boolean'],
      present: ['present', 'boolean'],
    },
  },
  user: {
    table: 'users',
    key: 'id',
    fusionpbxKey: 'fusionpbxUserUuid',
    columns: {
      id: ['id', 'uuid'],
      tenantId: ['tenant_id', 'uuid'],
      email: ['email', 'text'],
      firstName: ['first_name', 'text'],
      lastName: ['last_name', 'text'],
      role: ['role', 'text'],
      status: ['status', 'text'],
      disabledBy: ['disabled_by', 'text'],
      disabledReason: ['disabled_reason', 'text'],
      disabledUntil: ['disabled_until', 'timestamptz'],
      source: ['source', 'text'],
      fusionpbxUserUuid: ['fusionpbx_user_uuid', 'uuid'],
      fusionpbxDomainUuid: ['fusionpbx_domain_uuid', 'uuid'],
      username: ['username', 'text'],
      upstreamRole: ['upstream_role', 'text'],
    },
  },
  extension: {
    table: 'extensions',
    key: 'id',
    fusionpbxKey: 'fusionpbxExtensionUuid',
    columns: {
      id: ['id', 'uuid'],
      tenantId: ['tenant_id', 'uuid'],
      fusionpbxExtensionUuid: ['fusionpbx_extension_uuid', 'uuid'],
      fusionpbxDomainUuid: ['fusionpbx_domain_uuid', 'uuid'],
      number: ['number', 'text'],
      numberAlias: ['number_alias', 'text'],
      callerIdName: ['caller_id_name', 'text'],
      firstName: ['first_name', 'text'],
      lastName: ['last_name', 'text'],
      userContext: ['user_context', 'text'],
      enabled: ['enabled', 'boolean'],
      present: ['present', 'boolean'],
      userId: ['user_id', 'uuid'],
      linkSource: ['link_source', 'text'],
    },
  },
};

const PAIRS = Object.fromEntries(
  Object.entries(TABLES).map(([entity, { columns }]) => [entity, Object.entries(columns).map(([field, [column, type]]) => [field, column, type === 'timestamptz'] as const)]),
) as Record<EntityName, Array<readonly [string, string, boolean]>>;

/** A database row (parsed by pg, or from JSON) as the model: the spec's fields only, timestamps as ISO strings. */
export function fromRow<T>(entity: EntityName, row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [field, column, isTime] of PAIRS[entity]) {
    const value = row[column] ?? null;
    out[field] = isTime && value !== null ? new Date(value as string | Date).toISOString() : value;
  }
  return out as T;
}

/**
 * A table's columns read into a model: the field -> column spec the store reads rows through
 * (for the tables the sync does not write field by field: runs, the change log, exclusions, the
 * activation log). Columns listed in `times` come back as ISO strings; a missing value is null.
 */
export function rowReader<T>(columns: { [K in keyof T]: string }, times: ReadonlyArray<keyof T> = []) {
  const pairs = Object.entries(columns) as Array<[keyof T & string, string]>;
  const timed = new Set<keyof T>(times);
  return {
    columns: pairs.map(([, column]) => column),
    read(row: Record<string, unknown>): T {
      const out: Record<string, unknown> = {};
      for (const [field, column] of pairs) {
        const value = row[column] ?? null;
        out[field] = timed.has(field) && value !== null ? new Date(value as string | Date).toISOString() : value;
      }
      return out as T;
    },
  };
}

/** A model object as the row the spec writes. */
export function toRow(entity: EntityName, fields: Fields): Record<string, unknown> {
  const spec = TABLES[entity].columns;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    const col = spec[field];
    if (!col) throw new Error(`${entity} has no writable field ${field}`);
    out[col[0]] = value;
  }
  return out;
}

export function columnType(entity: EntityName, column: string): ColumnType {
  for (const [col, type] of Object.values(TABLES[entity].columns)) if (col === column) return type;
  throw new Error(`${entity} has no column ${column}`);
}
