/**
 * A FusionPBX-shaped schema of the tables the sync reads, for the demo, the tests and the
 * benchmark. Column names and types follow FusionPBX (see ../shared/reference/fusionpbx-schema):
 * `layout` '5.4' keeps the text flags and numeric email_primary of 5.4 and older, '5.5' the
 * booleans of 5.5+. As in FusionPBX, only primary keys are constraints (no foreign keys, no
 * NOT NULL), and 5.5 adds plain indexes on its uuid columns. Secret columns exist so tests can
 * prove the sync never reads them.
 */
export type FusionpbxLayout = '5.4' | '5.5';

export function fusionpbxSchemaSql(layout: FusionpbxLayout): string {
  const flag = layout === '5.4' ? 'text' : 'boolean';
  const primary = layout === '5.4' ? 'numeric' : 'boolean';
  const audit = 'insert_date timestamptz, insert_user uuid, update_date timestamptz, update_user uuid';
  const tables = [
    `create table v_domains (domain_uuid uuid primary key, domain_parent_uuid uuid, domain_name text,
       domain_enabled boolean, domain_description text, ${audit})`,
    `create table v_groups (group_uuid uuid primary key, domain_uuid uuid, group_name text, group_protected ${flag},
       group_level numeric, group_description text, ${audit})`,
    `create table v_contacts (contact_uuid uuid primary key, domain_uuid uuid, contact_parent_uuid uuid, contact_type text,
       contact_organization text, contact_name_prefix text, contact_name_given text, contact_name_middle text,
       contact_name_family text, contact_name_suffix text, contact_nickname text, ${audit})`,
    `create table v_contact_emails (contact_email_uuid uuid primary key, domain_uuid uuid, contact_uuid uuid,
       email_label text, email_primary ${primary}, email_address text, email_description text, ${audit})`,
    `create table v_users (user_uuid uuid primary key, domain_uuid uuid, contact_uuid uuid, username text,
       password text, salt text, user_email text, user_status text, api_key text, user_totp_secret text,
       user_type text, user_enabled ${flag}, add_user text, add_date text, ${audit})`,
    `create table v_user_groups (user_group_uuid uuid primary key, domain_uuid uuid, group_name text, group_uuid uuid,
       user_uuid uuid, ${audit})`,
    `create table v_extensions (extension_uuid uuid primary key, domain_uuid uuid, extension text, number_alias text,
       password text, accountcode text, effective_caller_id_name text, effective_caller_id_number text,
       outbound_caller_id_name text, outbound_caller_id_number text, emergency_caller_id_name text,
       emergency_caller_id_number text, directory_first_name text, directory_last_name text,
       directory_visible ${flag}, directory_exten_visible ${flag}, user_context text, call_group text,
       do_not_disturb ${flag}, extension_type text, enabled ${flag}, description text, ${audit})`,
    `create table v_extension_users (extension_user_uuid uuid primary key, domain_uuid uuid, extension_uuid uuid,
       user_uuid uuid, ${audit})`,
  ];
  const indexes =
    layout === '5.5'
      ? [
          'v_contact_emails (contact_uuid)',
          'v_contact_emails (domain_uuid)',
          'v_contacts (domain_uuid)',
          'v_extension_users (domain_uuid)',
          'v_extension_users (extension_uuid)',
          'v_extension_users (user_uuid)',
          'v_extensions (domain_uuid)',
          'v_groups (domain_uuid)',
          'v_user_groups (domain_uuid)',
          'v_user_groups (group_uuid)',
          'v_user_groups (user_uuid)',
          'v_users (domain_uuid)',
        ].map((target) => `create index on ${target}`)
      : [];
  return [...tables, ...indexes].join(';\n') + ';\n';
}

/** FusionPBX's six default global groups and their levels. */
export const DEFAULT_GROUPS: Array<{ name: string; level: number; description: string }> = [
  { name: 'superadmin', level: 80, description: 'Super Administrator Group' },
  { name: 'admin', level: 50, description: 'Administrator Group' },
  { name: 'user', level: 30, description: 'User Group' },
  { name: 'agent', level: 20, description: 'Call Center Agent Group' },
  { name: 'fax', level: 20, description: 'Fax User Group' },
  { name: 'public', level: 10, description: 'Public Group' },
];

export const FUSIONPBX_TABLES = [
  'v_extension_users',
  'v_extensions',
  'v_user_groups',
  'v_users',
  'v_contact_emails',
  'v_contacts',
  'v_groups',
  'v_domains',
];
