import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Edits to a FusionPBX database made the way FusionPBX makes them (5.5 layout), for the change
 * poll's tests. Each is one short transaction on a connection of its own, closed at the end, as a
 * PHP request does (resources/classes/database.php `connect()` opens `new PDO("pgsql:...")`, not
 * persistent). Saves go through `database::save()`, which sets insert_date on an insert and
 * update_date on an update (resources/classes/database.php, reference §1.10); deletes and the raw
 * statements named below set no date.
 */
export class FusionpbxEdits {
  constructor(private readonly url: string) {}

  private async request(statements: Array<[string, unknown[]]>): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query('begin');
      for (const [sql, bindings] of statements) await client.query(sql, bindings);
      await client.query('commit');
    } finally {
      await client.end();
    }
  }

  /** core/users/user_edit.php (a new user, its group, its contact) and app/extensions/extension_edit.php (an extension assigned to it). */
  async addUserWithExtension(domainUuid: string, username: string, email: string, number: string): Promise<{ userUuid: string; extensionUuid: string }> {
    const [userUuid, contactUuid, extensionUuid] = [anyUuid(), anyUuid(), anyUuid()];
    await this.request([
      [`insert into v_contacts (contact_uuid, domain_uuid, contact_type, contact_name_given, contact_name_family, insert_date) values ($1, $2, 'user', $3, 'Polled', now())`, [contactUuid, domainUuid, username]],
      [`insert into v_users (user_uuid, domain_uuid, contact_uuid, username, user_email, user_enabled, user_type, insert_date) values ($1, $2, $3, $4, $5, true, 'default', now())`, [userUuid, domainUuid, contactUuid, username, email]],
      [`insert into v_user_groups (user_group_uuid, domain_uuid, group_name, group_uuid, user_uuid, insert_date) select $1, $2, 'user', group_uuid, $3, now() from v_groups where group_name = 'user'`, [anyUuid(), domainUuid, userUuid]],
      [`insert into v_extensions (extension_uuid, domain_uuid, extension, user_context, enabled, insert_date) select $1, $2, $3, domain_name, true, now() from v_domains where domain_uuid = $2`, [extensionUuid, domainUuid, number]],
      [`insert into v_extension_users (extension_user_uuid, domain_uuid, extension_uuid, user_uuid, insert_date) values ($1, $2, $3, $4, now())`, [anyUuid(), domainUuid, extensionUuid, userUuid]],
    ]);
    return { userUuid, extensionUuid };
  }

  /** core/users/user_edit.php: the user's email saved. */
  changeEmail(userUuid: string, email: string): Promise<void> {
    return this.request([[`update v_users set user_email = $2, update_date = now() where user_uuid = $1`, [userUuid, email]]]);
  }

  /** core/users/resources/classes/users.php `delete()`: settings, groups and the user; its extension links stay (no date anywhere). */
  deleteUser(userUuid: string): Promise<void> {
    return this.request([
      [`delete from v_user_groups where user_uuid = $1`, [userUuid]],
      [`delete from v_users where user_uuid = $1`, [userUuid]],
    ]);
  }

  /** app/extensions/resources/classes/extension.php `toggle()`: saved disabled. */
  disableExtension(extensionUuid: string): Promise<void> {
    return this.request([[`update v_extensions set enabled = false, update_date = now() where extension_uuid = $1`, [extensionUuid]]]);
  }

  /** core/users/user_edit.php: a group removed (a delete, no date) and another added (saved). */
  moveToGroup(userUuid: string, group: string): Promise<void> {
    return this.request([
      [`delete from v_user_groups where user_uuid = $1`, [userUuid]],
      [`insert into v_user_groups (user_group_uuid, domain_uuid, group_name, group_uuid, user_uuid, insert_date) select $1, u.domain_uuid, g.group_name, g.group_uuid, u.user_uuid, now() from v_users u, v_groups g where u.user_uuid = $2 and g.group_name = $3`, [anyUuid(), userUuid, group]],
    ]);
  }

  /** core/domains/domain_edit.php: the domain saved (update_date), then a raw replace() of its extensions' user_context (no date). */
  renameDomainAsDomainEdit(domainUuid: string, from: string, to: string): Promise<void> {
    return this.request([
      [`update v_domains set domain_name = $2, update_date = now() where domain_uuid = $1`, [domainUuid, to]],
      [`update v_extensions set user_context = replace(user_context, $2, $3) where domain_uuid = $1`, [domainUuid, from, to]],
    ]);
  }

  /** A provisioning script's rename: raw statements only, no date anywhere (the kind of edit only the full run sees). */
  renameDomainRaw(domainUuid: string, from: string, to: string): Promise<void> {
    return this.request([
      [`update v_domains set domain_name = $2 where domain_uuid = $1`, [domainUuid, to]],
      [`update v_extensions set user_context = replace(user_context, $2, $3) where domain_uuid = $1`, [domainUuid, from, to]],
    ]);
  }
}

/** An id as provisioning scripts write them (md5(...)::uuid): no version-4 bits. */
function anyUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
