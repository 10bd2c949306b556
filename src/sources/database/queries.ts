/**
 * The SQL the `database` source runs against FusionPBX. Written for both layouts: flags are read as
 * `::text` (a 5.5 boolean casts to 'true'/'false', a 5.4 text flag is already text) and
 * `email_primary` is compared as text ('1' on 5.4, 'true' on 5.5). No secret column is selected:
 * not v_users.password, salt, api_key or user_totp_secret, not v_extensions.password.
 * Joins are hash-friendly: 5.4 has no index besides the primary keys. A batch's reads filter by
 * `domain_uuid = any(?)` alone: an `? is null or ...` in front hides 5.5's domain_uuid index from
 * the plan (a scan of every user per batch, about 1 s of a 100k-user sync).
 */

export const DOMAINS_SQL = `
select d.domain_uuid::text as domain_uuid, d.domain_name, d.domain_enabled::text as domain_enabled
from v_domains d
where (?::uuid[] is null or d.domain_uuid = any(?::uuid[]))
order by d.domain_uuid`;

export const USERS_SQL = `
with u as (
  select user_uuid, domain_uuid, contact_uuid, username, user_enabled::text as user_enabled, user_email
  from v_users
  where domain_uuid = any(?::uuid[])
),
ce as (
  select distinct on (e.contact_uuid) e.contact_uuid, e.email_address
  from v_contact_emails e
  where e.contact_uuid in (select contact_uuid from u where contact_uuid is not null)
    and nullif(btrim(e.email_address), '') is not null
  order by e.contact_uuid, (e.email_primary::text in ('1', 'true')) desc, e.contact_email_uuid
),
g as (
  select ug.user_uuid, array_agg(distinct gr.group_name) as groups
  from v_user_groups ug
  join v_groups gr on gr.group_uuid = ug.group_uuid
  where ug.user_uuid in (select user_uuid from u) and gr.group_name is not null
  group by ug.user_uuid
),
c as (
  select contact_uuid, contact_name_given, contact_name_family from v_contacts
  where contact_uuid in (select contact_uuid from u where contact_uuid is not null)
)
select u.user_uuid::text as user_uuid, u.domain_uuid::text as domain_uuid, u.username, u.user_enabled, u.user_email,
       ce.email_address as contact_email, c.contact_name_given, c.contact_name_family,
       coalesce(g.groups, '{}') as groups
from u
left join c on c.contact_uuid = u.contact_uuid
left join ce on ce.contact_uuid = u.contact_uuid
left join g on g.user_uuid = u.user_uuid
order by u.user_uuid`;

/** The census: every user's identity, flag and email (user_email, else the primary contact email); no names, no groups. */
export const CENSUS_USERS_SQL = `
with ce as (
  select distinct on (e.contact_uuid) e.contact_uuid, e.email_address
  from v_contact_emails e
  where nullif(btrim(e.email_address), '') is not null
  order by e.contact_uuid, (e.email_primary::text in ('1', 'true')) desc, e.contact_email_uuid
)
select u.user_uuid::text as user_uuid, u.domain_uuid::text as domain_uuid, u.user_enabled::text as user_enabled, u.user_email,
       ce.email_address as contact_email
from v_users u
left join ce on ce.contact_uuid = u.contact_uuid
where (?::uuid[] is null or u.domain_uuid = any(?::uuid[]))`;

/**
 * How the SQL below groups emails: a key every pair of emails the daemon reads as equal (trimmed,
 * NFC, lower-cased) shares on any server locale — Unicode-decomposed (NFD, PostgreSQL 13+ on a
 * UTF8 database; `plain` elsewhere, where emails equal only after normalisation are not paired),
 * lower-cased, then only ASCII letters, digits, @ and . kept. Different emails may share a key: the
 * daemon compares the candidates exactly, so a key only has to never split a true pair.
 */
export type EmailKeyForm = 'nfd' | 'plain';
const WS = `E' \\t\\r\\n'`;
const key = (form: EmailKeyForm, expr: string) => `regexp_replace(lower(${form === 'nfd' ? `normalize(${expr}, NFD)` : expr}), '[^a-z0-9@.]', '', 'g')`;
/** The email a user signs in with: user_email, else its primary contact email (as toUser takes it). */
const usedEmail = (user: string, contact: string) => `coalesce(nullif(btrim(${user}, ${WS}), ''), ${contact})`;
const PRIMARY_EMAIL = (where: string) => `
  select distinct on (e.contact_uuid) e.contact_uuid, e.email_address
  from v_contact_emails e
  where ${where} nullif(btrim(e.email_address), '') is not null
  order by e.contact_uuid, (e.email_primary::text in ('1', 'true')) desc, e.contact_email_uuid`;

/**
 * The census rows of every user whose email is, by its key, one a user of the given domains claims:
 * the keys come from those domains (indexed), then one pass over v_users and v_contact_emails
 * finds the candidates. About 60 ms at 100,000 users.
 */
export function claimantsSql(form: EmailKeyForm): string {
  return `
with scope_email as (${PRIMARY_EMAIL('e.contact_uuid in (select contact_uuid from v_users where domain_uuid = any(?::uuid[])) and')}),
keys as (
  select distinct ${key(form, usedEmail('u.user_email', 'p.email_address'))} as k
  from v_users u left join scope_email p on p.contact_uuid = u.contact_uuid
  where u.domain_uuid = any(?::uuid[])
),
candidates as (
  select user_uuid from v_users where ${key(form, 'user_email')} in (select k from keys)
  union
  select u.user_uuid from v_contact_emails e join v_users u on u.contact_uuid = e.contact_uuid
  where ${key(form, 'e.email_address')} in (select k from keys)
),
u as (select * from v_users where user_uuid in (select user_uuid from candidates)),
ce as (${PRIMARY_EMAIL('e.contact_uuid in (select contact_uuid from u) and')})
select u.user_uuid::text as user_uuid, u.domain_uuid::text as domain_uuid, u.user_enabled::text as user_enabled, u.user_email,
       ce.email_address as contact_email
from u left join ce on ce.contact_uuid = u.contact_uuid`;
}

/** The users whose uuid lies in a range (a page of the store's synced users, by uuid): the primary key's range scan. */
export const USERS_BETWEEN_SQL = `
select user_uuid::text as user_uuid, domain_uuid::text as domain_uuid, user_enabled::text as user_enabled
from v_users where user_uuid between ?::uuid and ?::uuid`;

/** How many users each domain has. */
export const USER_COUNTS_SQL = `select domain_uuid::text as domain_uuid, count(*)::int as n from v_users where domain_uuid is not null group by domain_uuid`;

/**
 * Every user whose email's key (see EmailKeyForm) another user's email also has: the only rows the
 * platform-wide email claims need (about 2% of the users on the benchmark's platform).
 */
export function contestedClaimantsSql(form: EmailKeyForm): string {
  return `
with ce as (${PRIMARY_EMAIL('')}),
c as (
  select u.user_uuid, u.domain_uuid, u.user_enabled, u.user_email, ce.email_address as contact_email,
         ${key(form, usedEmail('u.user_email', 'ce.email_address'))} as k
  from v_users u
  left join ce on ce.contact_uuid = u.contact_uuid
)
select user_uuid::text as user_uuid, domain_uuid::text as domain_uuid, user_enabled::text as user_enabled, user_email, contact_email
from c
where k in (select k from c where k is not null and k <> '' group by k having count(*) > 1)`;
}

/** Links to deleted users stay behind in v_extension_users (FusionPBX deletes no links): the inner join drops them. */
export const EXTENSIONS_SQL = `
with e as (
  select extension_uuid, domain_uuid, extension, number_alias, effective_caller_id_name,
         directory_first_name, directory_last_name, user_context, enabled::text as enabled
  from v_extensions
  where domain_uuid = any(?::uuid[])
),
l as (
  select eu.extension_uuid, array_agg(distinct eu.user_uuid::text) as user_uuids
  from v_extension_users eu
  join v_users u on u.user_uuid = eu.user_uuid
  where eu.extension_uuid in (select extension_uuid from e)
  group by eu.extension_uuid
)
select e.extension_uuid::text as extension_uuid, e.domain_uuid::text as domain_uuid, e.extension, e.number_alias,
       e.effective_caller_id_name, e.directory_first_name, e.directory_last_name, e.user_context, e.enabled,
       coalesce(l.user_uuids, '{}') as user_uuids
from e
left join l on l.extension_uuid = e.extension_uuid
order by e.extension_uuid`;

/**
 * One digest per domain over every FusionPBX value a plan of it reads: the domain, its users
 * (with contact names, every contact email, groups) and its extensions (with their live links).
 * Each row is rendered with row(...)::text (which tells NULL from '' and quotes separators),
 * hashed to 64 bits, and the hashes summed: no sorting, no large strings, the same result in any
 * row order, and a duplicate row still counts. For some domains the related tables are read
 * for their users and extensions only; for all domains (`null`) they are joined whole, which
 * costs half as much as filtering them by every user.
 */
export function digestQuery(domainUuids: string[] | null): { sql: string; bindings: unknown[] } {
  const only = (filter: string) => (domainUuids ? filter : '');
  const sql = `
with du as (
  select user_uuid, domain_uuid, username, user_enabled, user_email, contact_uuid
  from v_users ${only('where domain_uuid = any(?::uuid[])')}
),
u as (
  select du.domain_uuid, count(*) as n, sum(hashtextextended(row(du.user_uuid, du.username, du.user_enabled::text, du.user_email, du.contact_uuid,
                                                                  c.contact_name_given, c.contact_name_family, ce.emails, g.groups)::text, 0)) as h
  from du
  left join (select contact_uuid, contact_name_given, contact_name_family from v_contacts
             ${only('where contact_uuid in (select contact_uuid from du where contact_uuid is not null)')}) c on c.contact_uuid = du.contact_uuid
  left join (select contact_uuid, sum(hashtextextended(row(contact_email_uuid, email_address, email_primary::text)::text, 0)) as emails
             from v_contact_emails ${only('where contact_uuid in (select contact_uuid from du)')} group by contact_uuid) ce on ce.contact_uuid = du.contact_uuid
  left join (select ug.user_uuid, sum(hashtextextended(coalesce(gr.group_name, ''), 0)) as groups
             from v_user_groups ug join v_groups gr on gr.group_uuid = ug.group_uuid
             ${only('where ug.user_uuid in (select user_uuid from du)')} group by ug.user_uuid) g on g.user_uuid = du.user_uuid
  group by du.domain_uuid
),
de as (
  select extension_uuid, domain_uuid, extension, number_alias, effective_caller_id_name, directory_first_name, directory_last_name, user_context, enabled
  from v_extensions ${only('where domain_uuid = any(?::uuid[])')}
),
e as (
  select de.domain_uuid, count(*) as n, sum(hashtextextended(row(de.extension_uuid, de.extension, de.number_alias, de.effective_caller_id_name,
                                                                  de.directory_first_name, de.directory_last_name, de.user_context, de.enabled::text, l.users)::text, 0)) as h
  from de
  left join (select eu.extension_uuid, sum(distinct hashtextextended(eu.user_uuid::text, 0)) as users
             from v_extension_users eu join v_users x on x.user_uuid = eu.user_uuid
             ${only('where eu.extension_uuid in (select extension_uuid from de)')} group by eu.extension_uuid) l on l.extension_uuid = de.extension_uuid
  group by de.domain_uuid
)
select d.domain_uuid::text as domain_uuid, md5(row(d.domain_name, d.domain_enabled::text, u.n, u.h, e.n, e.h)::text) as digest
from v_domains d
left join u on u.domain_uuid = d.domain_uuid
left join e on e.domain_uuid = d.domain_uuid
${only('where d.domain_uuid = any(?::uuid[])')}`;
  return { sql, bindings: domainUuids ? Array<unknown>(sql.split('?').length - 1).fill(domainUuids) : [] };
}
