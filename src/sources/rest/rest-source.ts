import { isFusionpbxId } from '../../common/fusionpbx-id.js';
import { mapLimit } from '../../common/semaphore.js';
import { SourceError } from '../../errors/sync-errors.js';
import type { Census, DomainSnapshot, UpstreamDomain } from '../model.js';
import type { FusionpbxSource } from '../source.js';
import { presentSnapshot, readRows, toDomain, toUser } from '../upstream-rows.js';
import type { RestClient } from './rest-client.js';

type Row = Record<string, unknown>;

/** How long a domain list is reused, so a run's per-domain reads do not each list every domain. */
const DOMAIN_LIST_TTL_MS = 15_000;

/** How the REST source learns extension links: the owner extension-list names, or every link. */
export type RestLinks = 'owner' | 'all';

/**
 * The REST API app (CakeDC/fusionpbx-rest-api) as a source. A partial one: the app returns users
 * without email, groups or contact names, so those stay unknown (never empty) unless the build
 * adds `user_email` and `groups`; extensions without number_alias, caller id name or context. A
 * domain whose lists answer 404 (a disabled domain: rest_api_resolve_domain) is unknown for the run.
 */
export class RestSource implements FusionpbxSource {
  readonly kind = 'rest' as const;
  private domainCache: { at: number; domains: Promise<UpstreamDomain[]> } | null = null;

  constructor(
    private readonly client: RestClient,
    private readonly concurrency: number,
    private readonly links: RestLinks = 'owner',
  ) {}

  listDomains(): Promise<UpstreamDomain[]> {
    if (!this.domainCache || Date.now() - this.domainCache.at > DOMAIN_LIST_TTL_MS) {
      const domains = this.client.list('domain-list').then((rows) => readRows(rows, 'domain', toDomain).items);
      this.domainCache = { at: Date.now(), domains };
      domains.catch(() => (this.domainCache = null));
    }
    return this.domainCache.domains;
  }

  async census(domainUuids?: string[]): Promise<Census> {
    this.domainCache = null; // a run starts from a fresh list
    const all = await this.listDomains();
    const domains = domainUuids ? all.filter((d) => domainUuids.includes(d.uuid)) : all;
    const unknown: string[] = [];
    const lists = await mapLimit(domains, this.concurrency, async (d) => {
      const rows = await this.domainList('user-list', d.uuid);
      if (rows === null) unknown.push(d.uuid);
      return readRows(rows ?? [], 'user', toUser);
    });
    return {
      domains,
      unknownDomainUuids: unknown,
      users: lists.flatMap((l) => l.items.map((u) => ({ uuid: u.uuid, domainUuid: u.domainUuid, enabled: u.enabled, email: u.email }))),
      problems: lists.flatMap((l) => l.problems),
    };
  }

  async readDomains(domainUuids: string[]): Promise<DomainSnapshot[]> {
    const domains = new Map((await this.listDomains()).map((d) => [d.uuid, d]));
    return mapLimit(domainUuids, this.concurrency, (uuid) => {
      const domain = domains.get(uuid);
      return domain ? this.readDomain(domain) : Promise.resolve<DomainSnapshot>({ state: 'absent', domainUuid: uuid, problems: [] });
    });
  }

  async close(): Promise<void> {}

  /**
   * A domain's users and extensions. extension-list names each extension's lowest linked user,
   * which is its owner, unless that link was left behind by a deleted user (the app's link query
   * does not join v_users). Only then, or with `links: 'all'`, are the users' own links read,
   * one extension-user-list call per user (the action takes one user_uuid).
   */
  private async readDomain(domain: UpstreamDomain): Promise<DomainSnapshot> {
    const unknown: DomainSnapshot = { state: 'unknown', domain, reason: "the REST API refused the domain's lists (404)", problems: [] };
    const [userRows, extensionRows] = await Promise.all([this.domainList('user-list', domain.uuid), this.domainList('extension-list', domain.uuid)]);
    if (userRows === null || extensionRows === null) return unknown;
    const listed = new Set(userRows.flatMap((u) => (isFusionpbxId(u.user_uuid) ? [u.user_uuid.toLowerCase()] : [])));
    const ownerUnlisted = extensionRows.some((e) => isFusionpbxId(e.user_uuid) && !listed.has(e.user_uuid.toLowerCase()));
    if (this.links === 'owner' && !ownerUnlisted) return presentSnapshot(domain, userRows, withLinks(extensionRows, null));
    const links = await this.userLinks(domain.uuid, [...listed]);
    return links ? presentSnapshot(domain, userRows, withLinks(extensionRows, links)) : unknown;
  }

  /** A list scoped to one domain; null when the API answers 404 for it. */
  private async domainList(action: string, domainUuid: string): Promise<Row[] | null> {
    try {
      return (await this.client.list(action, { domain_uuid: domainUuid })) as Row[];
    } catch (error) {
      if (error instanceof SourceError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * Extension uuid -> the users linked to it, from each user's extension-user-list; null when the
   * domain went away meanwhile. A user deleted since the user list answers 404 and has no links.
   */
  private async userLinks(domainUuid: string, userUuids: string[]): Promise<Map<string, string[]> | null> {
    const links = new Map<string, string[]>();
    let domainGone = false;
    await mapLimit(userUuids, this.concurrency, async (userUuid) => {
      const rows = await this.client
        .list('extension-user-list', { domain_uuid: domainUuid, user_uuid: userUuid })
        .catch((error: unknown) => {
          if (!(error instanceof SourceError && error.status === 404)) throw error;
          if (!error.message.includes('user not found')) domainGone = true;
          return [];
        });
      for (const row of rows as Row[]) {
        if (!isFusionpbxId(row.extension_uuid)) continue;
        const ext = row.extension_uuid.toLowerCase();
        links.set(ext, [...(links.get(ext) ?? []), userUuid]);
      }
    });
    return domainGone ? null : links;
  }
}

/**
 * Extension rows with `user_uuids`: every link the users' own lists gave, or else the owner
 * extension-list names (its lowest linked user). An owner that is not an id leaves the links unknown.
 */
function withLinks(extensions: Row[], links: Map<string, string[]> | null): Row[] {
  return extensions.map(({ user_uuid: owner, ...row }) => {
    const ext = isFusionpbxId(row.extension_uuid) ? row.extension_uuid.toLowerCase() : '';
    if (links) return { ...row, user_uuids: links.get(ext) ?? [] };
    if (owner === null || owner === undefined) return { ...row, user_uuids: [] };
    return isFusionpbxId(owner) ? { ...row, user_uuids: [owner.toLowerCase()] } : row;
  });
}
