import type { Knex } from 'knex';
import { selectJson } from '../../common/postgres.js';
import { groupBy } from '../../common/collections.js';
import { SourceError } from '../../errors/sync-errors.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Census, DomainSnapshot, UpstreamDomain } from '../model.js';
import type { FusionpbxSource, TableSignatures, TableWrites } from '../source.js';
import { presentSnapshot, readRows, toDomain, toUser } from '../upstream-rows.js';
import { readTableSignatures, readTableWrites } from './change-signals.js';
import { CENSUS_USERS_SQL, claimantsSql, contestedClaimantsSql, digestQuery, DOMAINS_SQL, EXTENSIONS_SQL, USER_COUNTS_SQL, USERS_BETWEEN_SQL, USERS_SQL, type EmailKeyForm } from './queries.js';

type Row = Record<string, unknown>;

/**
 * Reads FusionPBX's own PostgreSQL over a read-only connection, each read in one read-only,
 * repeatable-read transaction so the domains, users and extensions it returns agree.
 */
export class DatabaseSource implements FusionpbxSource {
  readonly kind = 'database' as const;
  private keyForm?: Promise<EmailKeyForm>;

  constructor(
    private readonly db: Knex,
    private readonly metrics?: Metrics,
  ) {}

  async listDomains(): Promise<UpstreamDomain[]> {
    const rows = await this.read('domains', (trx) => this.query(trx, DOMAINS_SQL, [null, null]));
    return readRows(rows, 'domain', toDomain).items;
  }

  async census(domainUuids?: string[]): Promise<Census> {
    const filter = domainUuids ?? null;
    const [domainRows, userRows] = await this.read('census', async (trx) => [
      await this.query(trx, DOMAINS_SQL, [filter, filter]),
      await this.query(trx, CENSUS_USERS_SQL, [filter, filter]),
    ]);
    const domains = readRows(domainRows, 'domain', toDomain);
    const users = readRows(userRows, 'user', toUser);
    return {
      domains: domains.items,
      unknownDomainUuids: [],
      users: users.items.map(censusUser),
      problems: [...domains.problems, ...users.problems],
    };
  }

  async claimants(domainUuids: string[]): Promise<Census['users']> {
    const sql = claimantsSql(await this.emailKeyForm());
    const rows = await this.read('claimants', (trx) => this.query(trx, sql, [domainUuids, domainUuids]));
    return readRows(rows, 'user', toUser).items.map(censusUser);
  }

  async usersBetween(from: string, to: string): Promise<Map<string, Census['users'][number]>> {
    const rows = await this.read('users_between', (trx) => this.query(trx, USERS_BETWEEN_SQL, [from, to]));
    return new Map(readRows(rows, 'user', toUser).items.map((u) => [u.uuid, censusUser(u)]));
  }

  async userCounts(): Promise<Map<string, number>> {
    const rows = await this.read('user_counts', (trx) => this.query(trx, USER_COUNTS_SQL, []));
    return new Map(rows.map((r) => [String(r.domain_uuid).toLowerCase(), Number(r.n)]));
  }

  async contestedClaimants(): Promise<Census['users']> {
    const sql = contestedClaimantsSql(await this.emailKeyForm());
    const rows = await this.read('contested_claimants', (trx) => this.query(trx, sql, []));
    return readRows(rows, 'user', toUser).items.map(censusUser);
  }

  /** Outside any transaction: a counter read after a snapshot could announce rows the snapshot cannot see. */
  tableWrites(): Promise<TableWrites> {
    const run = () => readTableWrites(this.db).catch((error: unknown) => { throw wrapDatabaseError(error); });
    return this.metrics ? this.metrics.observeSource('database', 'table_writes', run) : run();
  }

  tableSignatures(tables: string[]): Promise<TableSignatures> {
    return this.read('table_signatures', (trx) => readTableSignatures(trx, tables));
  }

  async userDomain(userUuid: string): Promise<string | null> {
    const rows = await this.read('user_domain', (trx) => this.query(trx, 'select domain_uuid::text as domain_uuid from v_users where user_uuid = ?::uuid', [userUuid]));
    return rows[0] ? String(rows[0].domain_uuid).toLowerCase() : null;
  }

  async readDomains(domainUuids: string[]): Promise<DomainSnapshot[]> {
    if (domainUuids.length === 0) return [];
    const [domainRows, userRows, extensionRows] = await this.read('domain_batch', async (trx) => [
      await this.query(trx, DOMAINS_SQL, [domainUuids, domainUuids]),
      await this.query(trx, USERS_SQL, [domainUuids]),
      await this.query(trx, EXTENSIONS_SQL, [domainUuids]),
    ]);
    const domains = new Map(readRows(domainRows, 'domain', toDomain).items.map((d) => [d.uuid, d]));
    const usersByDomain = groupBy(userRows, (r) => String(r.domain_uuid).toLowerCase());
    const extensionsByDomain = groupBy(extensionRows, (r) => String(r.domain_uuid).toLowerCase());
    return domainUuids.map((uuid): DomainSnapshot => {
      const domain = domains.get(uuid);
      if (!domain) return { state: 'absent', domainUuid: uuid, problems: [] };
      return presentSnapshot(domain, usersByDomain.get(uuid) ?? [], extensionsByDomain.get(uuid) ?? []);
    });
  }

  async digests(domainUuids?: string[]): Promise<Map<string, string>> {
    const { sql, bindings } = digestQuery(domainUuids ?? null);
    const rows = await this.read('digests', (trx) => this.query(trx, sql, bindings));
    return new Map(rows.map((r) => [String(r.domain_uuid), String(r.digest)]));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /**
   * NFD where the server can decompose (PostgreSQL 13+, a UTF8 database), else plain. Asked once;
   * a refusal (no such function, another encoding) means plain, a lost connection is asked again.
   */
  private emailKeyForm(): Promise<EmailKeyForm> {
    this.keyForm ??= this.db
      .transaction((trx) => trx.raw(`select normalize(U&'\\00E9', NFD) = U&'e\\0301' as nfd`), { readOnly: true })
      .then((result: { rows: Array<{ nfd: boolean }> }): EmailKeyForm => (result.rows[0]?.nfd ? 'nfd' : 'plain'))
      .catch((error: unknown): EmailKeyForm => {
        if (isRefusal(error)) return 'plain';
        this.keyForm = undefined;
        throw wrapDatabaseError(error);
      });
    return this.keyForm;
  }

  private async read<T>(operation: string, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    const run = () =>
      this.db.transaction(work, { isolationLevel: 'repeatable read', readOnly: true }).catch((error: unknown) => {
        throw wrapDatabaseError(error);
      });
    return this.metrics ? this.metrics.observeSource('database', operation, run) : run();
  }

  private query(trx: Knex.Transaction, sql: string, bindings: unknown[]): Promise<Row[]> {
    return selectJson<Row>(trx, sql, bindings);
  }
}

function censusUser(u: { uuid: string; domainUuid: string; enabled: boolean; email?: string | null }): Census['users'][number] {
  return { uuid: u.uuid, domainUuid: u.domainUuid, enabled: u.enabled, email: u.email };
}

/** Keeps what helps an operator (Postgres code and message), drops connection details. */
function wrapDatabaseError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: string }).code;
  if (code === '28P01' || code === '28000' || code === '42501') {
    return new SourceError('auth', `FusionPBX database refused the daemon's role (${code}): ${error.message}`);
  }
  if (code === '42P01' || code === '42703') {
    return new SourceError('rejected', `FusionPBX database does not have the expected tables or columns (${code}): ${error.message}`);
  }
  return error;
}

/** The server answered, and said no: a syntax, function, feature or encoding error (classes 42, 0A, 22). */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(42|0A|22)/.test(code);
}
