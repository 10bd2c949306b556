import { z } from 'zod';
import type { DomainSnapshot, Entity, Problem, UpstreamDomain, UpstreamExtension, UpstreamUser } from './model.js';
import { fusionpbxId, isFusionpbxId } from '../common/fusionpbx-id.js';
import { cleanName, cleanNumber, normalizeDomainName, normalizeEmail, parseFlag } from './normalize.js';

/**
 * Upstream rows, named by FusionPBX's own columns, validated at the edge. Both sources hand their
 * rows here: the database selects these columns, the REST app returns them as JSON. A key that is
 * absent is unknown to the source; a key that is null is empty in FusionPBX.
 */

const text = z.string().nullable().optional();
const flag = z.union([z.string(), z.boolean(), z.null()]).optional();
const uuid = fusionpbxId;

const domainRow = z.object({ domain_uuid: uuid, domain_name: z.string().min(1), domain_enabled: flag });

const groupsField = z
  .union([
    z.array(z.union([z.string(), z.object({ group_name: z.string() }).loose()])),
    z.string(),
    z.null(),
  ])
  .optional();

const userRow = z.object({
  user_uuid: uuid,
  domain_uuid: uuid,
  username: text,
  user_enabled: flag,
  user_email: text,
  contact_email: text,
  contact_name_given: text,
  contact_name_family: text,
  groups: groupsField,
});

const extensionRow = z.object({
  extension_uuid: uuid,
  domain_uuid: uuid,
  extension: z.string().refine((v) => cleanNumber(v) !== null, 'is empty'),
  number_alias: text,
  effective_caller_id_name: text,
  directory_first_name: text,
  directory_last_name: text,
  user_context: text,
  enabled: flag,
  user_uuids: z.array(uuid).optional(),
});

type Mapped<T> = { value: T; warnings: Problem[] } | { problem: Problem };

function invalid(entity: Entity, raw: unknown, idKey: string, issues: z.core.$ZodIssue[]): { problem: Problem } {
  const id = (raw as Record<string, unknown> | null)?.[idKey];
  const first = issues[0];
  const field = first?.path.join('.') || 'row';
  const missing = first?.code === 'invalid_type' && (raw as Record<string, unknown> | null)?.[field] == null;
  return {
    problem: {
      kind: 'error',
      entity,
      fusionpbxUuid: isFusionpbxId(id) ? id.toLowerCase() : null,
      code: missing ? (field === idKey ? 'MISSING_UUID' : 'MISSING_FIELD') : field === idKey ? 'INVALID_UUID' : 'INVALID_ROW',
      message: `${entity} row skipped: ${field} ${missing ? 'is missing' : first?.message ?? 'is invalid'}`,
    },
  };
}

function badFlag(entity: Entity, id: string, column: string, value: unknown): { problem: Problem } {
  return {
    problem: {
      kind: 'error',
      entity,
      fusionpbxUuid: id,
      code: 'INVALID_FLAG',
      message: `${entity} row skipped: ${column} has the unknown value ${JSON.stringify(value).slice(0, 40)}`,
    },
  };
}

export function toDomain(raw: unknown): Mapped<UpstreamDomain> {
  const row = domainRow.safeParse(raw);
  if (!row.success) return invalid('domain', raw, 'domain_uuid', row.error.issues);
  const id = row.data.domain_uuid;
  // The SIP directory serves a domain only when domain_enabled is true: null means disabled.
  const enabled = parseFlag(row.data.domain_enabled, false);
  if (enabled === undefined) return badFlag('domain', id, 'domain_enabled', row.data.domain_enabled);
  const name = normalizeDomainName(row.data.domain_name);
  if (name === '') return { problem: { kind: 'error', entity: 'domain', fusionpbxUuid: id, code: 'INVALID_ROW', message: 'domain row skipped: domain_name is empty' } };
  return { value: { uuid: id, name, enabled }, warnings: [] };
}

export function toUser(raw: unknown): Mapped<UpstreamUser> {
  const row = userRow.safeParse(raw);
  if (!row.success) return invalid('user', raw, 'user_uuid', row.error.issues);
  const r = row.data;
  const id = r.user_uuid;
  // Login treats a null user_enabled as enabled.
  const enabled = parseFlag(r.user_enabled, true);
  if (enabled === undefined) return badFlag('user', id, 'user_enabled', r.user_enabled);
  const user: UpstreamUser = { uuid: id, domainUuid: r.domain_uuid, username: cleanName(r.username), enabled };
  const warnings: Problem[] = [];
  if (r.user_email !== undefined || r.contact_email !== undefined) {
    // v_users.user_email first; systems upgraded from 4.x may hold it only in the primary contact email.
    const raw = (r.user_email?.trim() || null) ?? r.contact_email ?? null;
    const { email, warning } = normalizeEmail(raw);
    user.email = email;
    if (warning) warnings.push({ kind: 'warning', entity: 'user', fusionpbxUuid: id, code: 'EMAIL_INVALID', message: `${warning}; synced without an email` });
  }
  if (r.contact_name_given !== undefined || r.contact_name_family !== undefined) {
    user.firstName = cleanName(r.contact_name_given);
    user.lastName = cleanName(r.contact_name_family);
  }
  if (r.groups !== undefined) user.groups = groupNames(r.groups);
  return { value: user, warnings };
}

export function toExtension(raw: unknown): Mapped<UpstreamExtension> {
  const row = extensionRow.safeParse(raw);
  if (!row.success) return invalid('extension', raw, 'extension_uuid', row.error.issues);
  const r = row.data;
  const id = r.extension_uuid;
  // The SIP directory serves an extension only when enabled is true: null means disabled.
  const enabled = parseFlag(r.enabled, false);
  if (enabled === undefined) return badFlag('extension', id, 'enabled', r.enabled);
  const ext: UpstreamExtension = { uuid: id, domainUuid: r.domain_uuid, number: cleanNumber(r.extension)!, enabled };
  if (r.number_alias !== undefined) ext.numberAlias = cleanNumber(r.number_alias);
  if (r.effective_caller_id_name !== undefined) ext.callerIdName = cleanName(r.effective_caller_id_name);
  if (r.directory_first_name !== undefined) ext.firstName = cleanName(r.directory_first_name);
  if (r.directory_last_name !== undefined) ext.lastName = cleanName(r.directory_last_name);
  if (r.user_context !== undefined) ext.userContext = r.user_context === null ? null : normalizeDomainName(r.user_context) || null;
  if (r.user_uuids !== undefined) ext.userUuids = [...new Set(r.user_uuids)].sort();
  return { value: ext, warnings: [] };
}

function groupNames(value: NonNullable<z.infer<typeof groupsField>> | null): string[] {
  if (value === null) return [];
  const items = typeof value === 'string' ? value.split(',') : value.map((g) => (typeof g === 'string' ? g : g.group_name));
  return [...new Set(items.map((g) => g.trim()).filter(Boolean))].sort();
}

export interface ReadRows<T> {
  items: T[];
  /** uuids of rows that were seen but rejected: unknown this run, never treated as removed. */
  unreadable: string[];
  problems: Problem[];
}

/**
 * Maps raw rows through `toModel`, keeping the good ones. Duplicate uuids with identical content
 * (offset paging can repeat a row) collapse silently; duplicates that disagree are all rejected.
 */
export function readRows<T extends { uuid: string }>(rows: unknown[], entity: Entity, toModel: (raw: unknown) => Mapped<T>): ReadRows<T> {
  const byId = new Map<string, T>();
  const rejected = new Set<string>();
  const problems: Problem[] = [];
  for (const raw of rows) {
    const mapped = toModel(raw);
    if ('problem' in mapped) {
      problems.push(mapped.problem);
      if (mapped.problem.fusionpbxUuid) rejected.add(mapped.problem.fusionpbxUuid);
      continue;
    }
    if (mapped.warnings.length > 0) problems.push(...mapped.warnings);
    const id = mapped.value.uuid;
    const seen = byId.get(id);
    if (seen === undefined) {
      if (!rejected.has(id)) byId.set(id, mapped.value);
    } else if (JSON.stringify(seen) !== JSON.stringify(mapped.value)) {
      byId.delete(id);
      rejected.add(id);
      problems.push({ kind: 'error', entity, fusionpbxUuid: id, code: 'DUPLICATE_UUID', message: `${entity} ${id} appears twice with different values; skipped` });
    }
  }
  for (const id of rejected) byId.delete(id);
  return { items: [...byId.values()], unreadable: [...rejected], problems };
}

/** A domain the source read: its user and extension rows, validated, as a snapshot. */
export function presentSnapshot(domain: UpstreamDomain, userRows: unknown[], extensionRows: unknown[]): DomainSnapshot {
  const users = readRows(userRows, 'user', toUser);
  const extensions = readRows(extensionRows, 'extension', toExtension);
  return {
    state: 'present',
    domain,
    users: users.items,
    extensions: extensions.items,
    unreadableUserUuids: users.unreadable,
    unreadableExtensionUuids: extensions.unreadable,
    problems: [...users.problems, ...extensions.problems],
  };
}
