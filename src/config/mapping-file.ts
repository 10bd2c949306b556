import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors/sync-errors.js';
import { ROLES, type Role } from '../common/vocabulary.js';

const domainRef = z.string().trim().min(1);

const mappingSchema = z
  .object({
    /** Tenants that gather several FusionPBX domains, each named by domain name or domain_uuid. */
    tenants: z
      .array(
        z
          .object({
            key: z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'key: lower-case letters, digits, . _ -'),
            name: z.string().trim().min(1).max(200),
            domains: z.array(domainRef).min(1),
          })
          .strict(),
      )
      .default([]),
    /** Domains that are never synced (by name or uuid). */
    exclude: z.array(domainRef).default([]),
    /** FusionPBX group name -> role. The highest role among a user's groups wins. */
    roles: z.record(z.string().min(1), z.enum(ROLES)).default({ superadmin: 'superadmin', admin: 'admin' }),
    /** Role of a user whose groups map to nothing. */
    defaultRole: z.enum(ROLES).default('user'),
  })
  .strict();

export type MappingFile = z.infer<typeof mappingSchema>;

export interface TenantTarget {
  /** Stable key of the tenant: `domain:<uuid>` by default, `mapping:<key>` for a mapped tenant. */
  syncKey: string;
  name: string;
}

/** Decides, for each FusionPBX domain, which tenant it feeds, and maps groups to roles. */
export class DomainMapping {
  private readonly byRef = new Map<string, { key: string; name: string }>();
  private readonly excluded = new Set<string>();

  constructor(readonly file: MappingFile) {
    for (const tenant of file.tenants) {
      for (const ref of tenant.domains) this.byRef.set(refKey(ref), { key: tenant.key, name: tenant.name });
    }
    for (const ref of file.exclude) this.excluded.add(refKey(ref));
  }

  isExcluded(domain: { uuid: string; name: string }): boolean {
    return this.excluded.has(refKey(domain.uuid)) || this.excluded.has(refKey(domain.name));
  }

  tenantFor(domain: { uuid: string; name: string }): TenantTarget {
    const mapped = this.byRef.get(refKey(domain.uuid)) ?? this.byRef.get(refKey(domain.name));
    if (mapped) return { syncKey: `mapping:${mapped.key}`, name: mapped.name };
    return { syncKey: `domain:${domain.uuid}`, name: domain.name };
  }

  /** The role for a user's FusionPBX groups; `undefined` groups (the source cannot see them) give `undefined`. */
  roleFor(groups: string[] | undefined): Role | undefined {
    if (groups === undefined) return undefined;
    let best: Role = this.file.defaultRole;
    for (const group of groups) {
      const role = this.file.roles[group.trim().toLowerCase()] ?? this.file.roles[group.trim()];
      if (role && ROLES.indexOf(role) > ROLES.indexOf(best)) best = role;
    }
    return best;
  }
}

function refKey(ref: string): string {
  return ref.trim().toLowerCase().replace(/\.$/, '');
}

export function defaultMapping(): DomainMapping {
  return new DomainMapping(mappingSchema.parse({}));
}

export function parseMapping(json: unknown, origin: string): DomainMapping {
  const parsed = mappingSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `SYNC_MAPPING_FILE (${origin}) ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const seen = new Map<string, string>();
  for (const tenant of parsed.data.tenants) {
    for (const ref of tenant.domains) {
      const other = seen.get(refKey(ref));
      if (other && other !== tenant.key) {
        throw new ConfigError([`SYNC_MAPPING_FILE (${origin}): domain "${ref}" is mapped to both "${other}" and "${tenant.key}"`]);
      }
      seen.set(refKey(ref), tenant.key);
    }
  }
  return new DomainMapping(parsed.data);
}

/**
 * Loads the mapping named by SYNC_MAPPING_FILE, else `config/mapping.json` when present, else the
 * default rule (one tenant per domain, named after it).
 */
export function loadMapping(path: string | undefined, cwd = process.cwd()): DomainMapping {
  const file = path ?? `${cwd}/config/mapping.json`;
  if (!existsSync(file)) {
    if (path) throw new ConfigError([`SYNC_MAPPING_FILE: ${path} does not exist`]);
    return defaultMapping();
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`SYNC_MAPPING_FILE: ${file} is not valid JSON (${(error as Error).message})`]);
  }
  return parseMapping(json, file);
}
