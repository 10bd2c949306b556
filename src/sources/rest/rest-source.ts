import { mapLimit } from '../../common/semaphore.js';
import { SourceError } from '../../errors/sync-errors.js';
import type { Census, DomainSnapshot, UpstreamDomain } from '../model.js';
import { isUuid } from '../normalize.js';
import type { FusionpbxSource } from '../source.js';
import { presentSnapshot, readRows, toDomain, toUser } from '../upstream-rows.js';
import type { RestClient } from './rest-client.js';

type Row = Record<string, unknown>;

/** How long a domain list is reused, so a run's per-domain reads do not each list every domain. */
const DOMAIN_LIST_TTL_MS = 15_000;

/**
 * The REST API app as a source. A partial one: the common build returns users without email,
 * groups or contact names, so those stay unknown (never empty) unless the build adds `user_email`
 * and `groups`. A domain whose lists answer 404 (a disabled domain) is unknown for the run.
 */
export class RestSource implements FusionpbxSource {
  readonly kind = 'rest' as const;
  private domainCache: { at: number; domains: Promise<UpstreamDomain[]> } | null = null;

  constructor(
    private readonly client: RestClient,
    private readonly concurrency: number,
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

  private async readDomain(domain: UpstreamDomain): Promise<DomainSnapshot> {
    const [userRows, extensionRows, linkRows] = await Promise.all([
      this.domainList('user-list', domain.uuid),
      this.domainList('extension-list', domain.uuid),
      this.domainList('extension-user-list', domain.uuid),
    ]);
    if (userRows === null || extensionRows === null || linkRows === null) {
      return { state: 'unknown', domain, reason: 'the REST API refused the domain\'s lists (404)', problems: [] };
    }
    return presentSnapshot(domain, userRows, withLinks(extensionRows, linkRows));
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
}

/**
 * Extension rows with `user_uuids`: every link extension-user-list reports, plus the
 * `user_uuid` extension-list gives (the lowest linked user in this dialect).
 */
function withLinks(extensions: Row[], links: Row[]): Row[] {
  const byExtension = new Map<string, Set<string>>();
  for (const link of links) {
    const ext = String(link.extension_uuid ?? '').toLowerCase();
    const user = link.user_uuid;
    if (!isUuid(user)) continue;
    const set = byExtension.get(ext) ?? new Set<string>();
    set.add(user.toLowerCase());
    byExtension.set(ext, set);
  }
  return extensions.map((row) => {
    const set = new Set(byExtension.get(String(row.extension_uuid ?? '').toLowerCase()) ?? []);
    if (isUuid(row.user_uuid)) set.add(row.user_uuid.toLowerCase());
    const { user_uuid: _owner, ...rest } = row;
    return { ...rest, user_uuids: [...set].sort() };
  });
}
