import type { Knex } from 'knex';
import { chunks } from '../common/collections.js';
import { DEFAULT_GROUPS, FUSIONPBX_TABLES, fusionpbxSchemaSql, type FusionpbxLayout } from './fusionpbx-schema.js';

/** A raw flag as FusionPBX may hold it: a boolean, its text form, null, or (in bad data) anything. */
export type RawFlag = boolean | string | null;

export interface FxDomain {
  uuid: string;
  name: string;
  enabled: boolean | null;
}

export interface FxContact {
  uuid: string;
  given: string | null;
  family: string | null;
  emails: Array<{ address: string; primary: boolean }>;
}

export interface FxUser {
  uuid: string;
  domainUuid: string;
  username: string;
  email: string | null;
  enabled: RawFlag;
  contact: FxContact | null;
  groups: string[];
}

export interface FxExtension {
  uuid: string;
  domainUuid: string;
  extension: string;
  numberAlias: string | null;
  callerIdName: string | null;
  firstName: string | null;
  lastName: string | null;
  userContext: string | null;
  enabled: RawFlag;
  userUuids: string[];
}

/**
 * Builds FusionPBX data in memory and writes it to a database of either layout. Ids come from a
 * seeded generator, so the same script gives the same data (and the same sort orders) every time.
 */
export class FusionpbxFactory {
  domains: FxDomain[] = [];
  users: FxUser[] = [];
  extensions: FxExtension[] = [];
  private seed: number;

  /**
   * `ids: 'v4'` makes RFC 4122 version-4 ids, as FusionPBX's PHP uuid() does; `'any'` makes ids
   * of every other version and variant, as provisioning scripts (`md5(...)::uuid`), imports and
   * third-party tools write them: PostgreSQL's uuid type takes any 32 hex digits.
   */
  constructor(
    seed = 1,
    private readonly ids: 'v4' | 'any' = 'v4',
  ) {
    this.seed = seed >>> 0 || 1;
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => (this.next() & 15).toString(16)).join('');
    if (this.ids === 'any') {
      const version = '0123567890abcdef'[this.next() & 15];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.next() & 3]}${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  domain(name: string, overrides: Partial<FxDomain> = {}): FxDomain {
    const domain = { uuid: this.uuid(), name, enabled: true, ...overrides };
    this.domains.push(domain);
    return domain;
  }

  user(domain: FxDomain, username: string, overrides: Partial<Omit<FxUser, 'contact'>> & { contact?: Partial<FxContact> | null } = {}): FxUser {
    const { contact, ...rest } = overrides;
    const user: FxUser = {
      uuid: this.uuid(),
      domainUuid: domain.uuid,
      username,
      email: `${username}@${domain.name}`,
      enabled: true,
      contact: contact === null ? null : { uuid: this.uuid(), given: null, family: null, emails: [], ...contact },
      groups: ['user'],
      ...rest,
    };
    this.users.push(user);
    return user;
  }

  extension(domain: FxDomain, number: string, overrides: Partial<FxExtension> = {}): FxExtension {
    const ext: FxExtension = {
      uuid: this.uuid(),
      domainUuid: domain.uuid,
      extension: number,
      numberAlias: null,
      callerIdName: null,
      firstName: null,
      lastName: null,
      userContext: domain.name,
      enabled: true,
      userUuids: [],
      ...overrides,
    };
    this.extensions.push(ext);
    return ext;
  }

  link(ext: FxExtension, user: FxUser): void {
    if (!ext.userUuids.includes(user.uuid)) ext.userUuids.push(user.uuid);
  }

  /** Removes a user the way FusionPBX does: its v_extension_users links stay behind as orphans. */
  removeUser(user: FxUser): void {
    this.users = this.users.filter((u) => u !== user);
  }

  removeDomain(domain: FxDomain): void {
    this.domains = this.domains.filter((d) => d !== domain);
    this.users = this.users.filter((u) => u.domainUuid !== domain.uuid);
    this.extensions = this.extensions.filter((e) => e.domainUuid !== domain.uuid);
  }

  /** Creates the FusionPBX tables (dropping any), then writes everything. */
  async install(db: Knex, layout: FusionpbxLayout): Promise<void> {
    await db.raw(FUSIONPBX_TABLES.map((t) => `drop table if exists ${t}`).join(';'));
    await db.raw(fusionpbxSchemaSql(layout));
    await this.write(db, layout);
  }

  /** Replaces the data in existing FusionPBX tables with the factory's current state. */
  async write(db: Knex, layout: FusionpbxLayout): Promise<void> {
    const flag = (v: RawFlag) => (layout === '5.4' && typeof v === 'boolean' ? String(v) : v);
    const primary = (v: boolean) => (layout === '5.4' ? (v ? 1 : 0) : v);
    await db.raw(`truncate ${FUSIONPBX_TABLES.join(', ')}`);
    const groups = DEFAULT_GROUPS.map((g, i) => ({ group_uuid: this.fixedUuid(0xa000 + i), group_name: g.name, group_level: g.level, group_description: g.description, group_protected: flag(false) }));
    const groupUuid = new Map(groups.map((g) => [g.group_name, g.group_uuid]));
    await insert(db, 'v_groups', groups);
    await insert(db, 'v_domains', this.domains.map((d) => ({ domain_uuid: d.uuid, domain_name: d.name, domain_enabled: d.enabled, insert_date: 'now()' })));
    const contacts = this.users.flatMap((u) => (u.contact ? [{ user: u, contact: u.contact }] : []));
    await insert(db, 'v_contacts', contacts.map(({ user, contact }) => ({ contact_uuid: contact.uuid, domain_uuid: user.domainUuid, contact_type: 'user', contact_name_given: contact.given, contact_name_family: contact.family })));
    let n = 0;
    await insert(
      db,
      'v_contact_emails',
      contacts.flatMap(({ user, contact }) =>
        contact.emails.map((e) => ({ contact_email_uuid: this.fixedUuid(0x10000000 + n++), domain_uuid: user.domainUuid, contact_uuid: contact.uuid, email_address: e.address, email_primary: primary(e.primary), email_label: 'work' })),
      ),
    );
    await this.writeUsers(db, flag, groupUuid);
    await this.writeExtensions(db, flag);
  }

  private async writeUsers(db: Knex, flag: (v: RawFlag) => RawFlag, groupUuid: Map<string, string>): Promise<void> {
    let n = 0;
    await insert(
      db,
      'v_users',
      this.users.map((u, i) => ({
        user_uuid: u.uuid,
        domain_uuid: u.domainUuid,
        contact_uuid: u.contact?.uuid ?? null,
        username: u.username,
        password: `$2y$10$secret-hash-${i}`,
        salt: `salt-${i}`,
        api_key: `api-key-${u.uuid}`,
        user_totp_secret: `TOTPSECRET${i}`,
        user_email: u.email,
        user_type: 'default',
        user_enabled: flag(u.enabled),
      })),
    );
    await insert(
      db,
      'v_user_groups',
      this.users.flatMap((u) =>
        u.groups.map((g) => ({ user_group_uuid: this.fixedUuid(0x20000000 + n++), domain_uuid: u.domainUuid, group_name: g, group_uuid: groupUuid.get(g) ?? this.fixedUuid(0xbeef), user_uuid: u.uuid })),
      ),
    );
  }

  private async writeExtensions(db: Knex, flag: (v: RawFlag) => RawFlag): Promise<void> {
    let n = 0;
    await insert(
      db,
      'v_extensions',
      this.extensions.map((e) => ({
        extension_uuid: e.uuid,
        domain_uuid: e.domainUuid,
        extension: e.extension,
        number_alias: e.numberAlias,
        password: `sip-secret-${e.extension}`,
        effective_caller_id_name: e.callerIdName,
        directory_first_name: e.firstName,
        directory_last_name: e.lastName,
        user_context: e.userContext,
        enabled: flag(e.enabled),
      })),
    );
    await insert(
      db,
      'v_extension_users',
      this.extensions.flatMap((e) => e.userUuids.map((u) => ({ extension_user_uuid: this.fixedUuid(0x30000000 + n++), domain_uuid: e.domainUuid, extension_uuid: e.uuid, user_uuid: u }))),
    );
  }

  private fixedUuid(n: number): string {
    return `00000000-0000-${this.ids === 'any' ? '0000-0000' : '4000-8000'}-${n.toString(16).padStart(12, '0')}`;
  }

  /** xorshift32: small, seeded, good enough for test data. */
  private next(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
}

/** Inserts rows in chunks through json_populate_recordset, so types come from the table itself. */
async function insert(db: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (const chunk of chunks(rows, 5000)) {
    const cols = [...new Set(chunk.flatMap((r) => Object.keys(r)))];
    const values = cols.map((c) => (c === 'insert_date' ? 'now()' : `v.${c}`));
    await db.raw(
      `insert into ${table} (${cols.join(', ')}) select ${values.join(', ')} from json_populate_recordset(null::${table}, ?::json) as v`,
      [JSON.stringify(chunk.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'insert_date'))))],
    );
  }
}
