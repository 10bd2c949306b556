import type { Counts } from '../common/vocabulary.js';
import type { Db } from '../common/postgres.js';
import { IN_PROCESS_TRIGGERS, type DomainOutcomeRow, type LastDomainSync, type Run, type RunContext, type RunStatus, type RunTrigger, type TraceStep } from './run-types.js';
import { rowReader } from './tables.js';

export { IN_PROCESS_TRIGGERS, type DomainOutcomeRow, type LastDomainSync, type Run, type RunContext, type RunStatus, type RunTrigger, type TraceStep } from './run-types.js';

/** What a new run is: its scope (all, one domain, the domains the poll found, one user), trigger and actor. */
export type NewRun = Pick<Run, 'id' | 'trigger' | 'scopeKey' | 'scopeDomainUuid' | 'dryRun' | 'actor'> & Partial<Pick<Run, 'scopeDomainUuids' | 'scopeUserUuid' | 'changeHints'>>;

/** A row of sync_runs as a Run. */
const RUN = rowReader<Run>(
  {
    id: 'id',
    parentId: 'parent_id',
    trigger: 'trigger',
    scopeDomainUuid: 'scope_domain_uuid',
    scopeDomainUuids: 'scope_domain_uuids',
    scopeUserUuid: 'scope_user_uuid',
    changeHints: 'change_hints',
    scopeKey: 'scope_key',
    dryRun: 'dry_run',
    status: 'status',
    actor: 'actor',
    counts: 'counts',
    error: 'error',
    quarantineReason: 'quarantine_reason',
    queuedAt: 'queued_at',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    approvedBy: 'approved_by',
    approvedAt: 'approved_at',
    discardedBy: 'discarded_by',
    discardedAt: 'discarded_at',
  },
  ['queuedAt', 'startedAt', 'finishedAt', 'approvedAt', 'discardedAt'],
);
const toRun = (row: Record<string, unknown>) => RUN.read(row);
const RUN_COLUMNS = RUN.columns;

/** The run ledger (`sync_runs`): a top-level row per run and a child row per domain of it. */
export class RunStore {
  /**
   * Creates a queued run for a scope, or returns the live run already holding that scope (a
   * trigger for a scope already queued or running joins it).
   */
  async createOrJoin(
    db: Db,
    run: NewRun,
  ): Promise<{ run: Run; created: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await db.raw<{ rows: Array<Record<string, unknown>> }>(
        `insert into sync_runs (id, trigger, scope_key, scope_domain_uuid, scope_domain_uuids, scope_user_uuid, change_hints, dry_run, status, actor)
         values (?, ?, ?, ?, ?::uuid[], ?, ?::jsonb, ?, 'queued', ?)
         on conflict (scope_key) where parent_id is null and status in ('queued', 'running') do nothing
         returning ${RUN_COLUMNS.join(', ')}`,
        [run.id, run.trigger, run.scopeKey, run.scopeDomainUuid, run.scopeDomainUuids ?? null, run.scopeUserUuid ?? null, run.changeHints ? JSON.stringify(run.changeHints) : null, run.dryRun, run.actor],
      );
      if (inserted.rows[0]) return { run: toRun(inserted.rows[0]), created: true };
      const live = await db('sync_runs')
        .select(RUN_COLUMNS)
        .where({ scope_key: run.scopeKey, parent_id: null })
        .whereIn('status', ['queued', 'running'])
        .first();
      if (live) return { run: toRun(live), created: false };
    }
    throw new Error(`could not create or join a run for scope ${run.scopeKey}`);
  }

  async get(db: Db, id: string): Promise<Run | null> {
    const row = await db('sync_runs').select(RUN_COLUMNS).where({ id }).first();
    return row ? toRun(row) : null;
  }

  async context(db: Db, id: string): Promise<RunContext | null> {
    const row = await db('sync_runs').select('context').where({ id }).first();
    return (row?.context as RunContext | null) ?? null;
  }

  /** Top-level runs, newest first, keyset-paged, of a status and a trigger when given. */
  async list(db: Db, limit: number, cursor: { queuedAt: string; id: string } | null, filter: { status?: RunStatus; trigger?: RunTrigger } = {}): Promise<Run[]> {
    const rows = await db('sync_runs')
      .select(RUN_COLUMNS)
      .whereNull('parent_id')
      .modify((b) => (filter.status ? b.where('status', filter.status) : b))
      .modify((b) => (filter.trigger ? b.where('trigger', filter.trigger) : b))
      .modify((b) => (cursor ? b.whereRaw('(queued_at, id) < (?::timestamptz, ?::uuid)', [cursor.queuedAt, cursor.id]) : b))
      .orderBy([
        { column: 'queued_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(toRun);
  }

  /** The steps a one-user run recorded on its domain's row; null for other runs. */
  async trace(db: Db, id: string): Promise<TraceStep[] | null> {
    const row = await db('sync_runs').select('trace').where({ parent_id: id }).whereNotNull('trace').first();
    return (row?.trace as TraceStep[] | undefined) ?? null;
  }

  /** The domain rows of a run. */
  async domains(db: Db, id: string): Promise<Run[]> {
    const rows = await db('sync_runs').select(RUN_COLUMNS).where({ parent_id: id }).orderBy('queued_at');
    return rows.map(toRun);
  }

  /** queued -> running (also re-entered by a retried job); returns false when the run is no longer live. */
  async start(db: Db, id: string, leaseMs: number): Promise<boolean> {
    const n = await db('sync_runs')
      .where({ id })
      .whereIn('status', ['queued', 'running'])
      .update({
        status: 'running',
        started_at: db.raw('coalesce(started_at, now())'),
        lease_until: db.raw(`now() + (? || ' milliseconds')::interval`, [leaseMs]),
      });
    return n > 0;
  }

  async extendLease(db: Db, id: string, leaseMs: number): Promise<void> {
    await db('sync_runs')
      .where({ id, status: 'running' })
      .update({ lease_until: db.raw(`now() + (? || ' milliseconds')::interval`, [leaseMs]) });
  }

  async saveContext(db: Db, id: string, context: RunContext): Promise<void> {
    await db('sync_runs').where({ id }).update({ context: JSON.stringify(context) });
  }

  async finish(
    db: Db,
    id: string,
    end: { status: RunStatus; counts?: Counts; error?: string | null; quarantineReason?: string | null; from?: RunStatus[]; discardedBy?: string },
  ): Promise<boolean> {
    const n = await db('sync_runs')
      .where({ id })
      .whereIn('status', end.from ?? ['queued', 'running'])
      .update({
        status: end.status,
        ...(end.counts ? { counts: JSON.stringify(end.counts) } : {}),
        ...(end.error !== undefined ? { error: end.error?.slice(0, 2000) ?? null } : {}),
        ...(end.quarantineReason !== undefined ? { quarantine_reason: end.quarantineReason } : {}),
        ...(end.discardedBy !== undefined ? { discarded_by: end.discardedBy, discarded_at: db.raw('now()') } : {}),
        finished_at: ['succeeded', 'failed', 'quarantined', 'discarded'].includes(end.status) ? db.raw('now()') : null,
        lease_until: null,
      });
    return n > 0;
  }

  /** quarantined -> running, once: the admin who approved it is recorded. */
  async approve(db: Db, id: string, actor: string): Promise<boolean> {
    const n = await db('sync_runs')
      .where({ id, status: 'quarantined' })
      .update({ status: 'running', finished_at: null, approved_by: actor, approved_at: db.raw('now()') });
    return n > 0;
  }

  /** Top-level runs not finished, for the reconciler (a run whose job Redis lost is queued again). */
  async live(db: Db): Promise<Run[]> {
    const rows = await db('sync_runs').select(RUN_COLUMNS).whereNull('parent_id').whereIn('status', ['queued', 'running']);
    return rows.map(toRun);
  }

  async domainRun(db: Db, parentId: string, domainUuid: string): Promise<Run | null> {
    const row = await db('sync_runs').select(RUN_COLUMNS).where({ parent_id: parentId, scope_domain_uuid: domainUuid }).first();
    return row ? toRun(row) : null;
  }

  /** Records (or re-records, on a retry) the outcome of one domain of a run. */
  async saveDomainRun(db: Db, parent: Run, domain: DomainOutcomeRow): Promise<void> {
    await this.saveDomainRuns(db, parent, [domain]);
  }

  /** The outcomes of several domains of a run, in one statement. */
  async saveDomainRuns(db: Db, parent: Run, domains: DomainOutcomeRow[]): Promise<void> {
    if (domains.length === 0) return;
    await db.raw(
      `insert into sync_runs (id, parent_id, trigger, scope_domain_uuid, scope_key, dry_run, status, actor, counts, error, fingerprint, reconciled_at, trace, started_at, finished_at)
       select v.id, ?::uuid, ?, v.domain, 'domain:' || v.domain, ?, v.status, ?, v.counts, v.error, v.fingerprint, coalesce(v.reconciled_at, now()), v.trace, now(), now()
       from jsonb_to_recordset(?::jsonb) as v(id uuid, domain uuid, status text, counts jsonb, error text, fingerprint text, reconciled_at timestamptz, trace jsonb)
       on conflict (parent_id, scope_domain_uuid) where parent_id is not null
       do update set status = excluded.status, counts = excluded.counts, error = excluded.error, fingerprint = excluded.fingerprint,
                     reconciled_at = excluded.reconciled_at, trace = coalesce(excluded.trace, sync_runs.trace), finished_at = now()`,
      [
        parent.id,
        parent.trigger,
        parent.dryRun,
        parent.actor,
        JSON.stringify(
          domains.map((d) => ({
            id: d.id,
            domain: d.domainUuid,
            status: d.status,
            counts: d.counts,
            error: d.error?.slice(0, 2000) ?? null,
            fingerprint: d.fingerprint ?? null,
            reconciled_at: d.reconciledAt ?? null,
            trace: d.trace ?? null,
          })),
        ),
      ],
    );
  }

  /** The latest successful (real) sync of each domain: its run, fingerprint and counts. */
  async lastDomainSyncs(db: Db, domainUuids: string[]): Promise<Map<string, LastDomainSync>> {
    const result = await db.raw<{ rows: Array<{ domain: string; parent_id: string; fingerprint: string | null; counts: Counts; reconciled_at: Date }> }>(
      `select distinct on (scope_domain_uuid) scope_domain_uuid::text as domain, parent_id::text, fingerprint, counts, reconciled_at
       from sync_runs
       where parent_id is not null and status = 'succeeded' and not dry_run and scope_domain_uuid = any(?::uuid[])
       order by scope_domain_uuid, finished_at desc`,
      [domainUuids],
    );
    return new Map(result.rows.map((r) => [r.domain, { runId: r.parent_id, fingerprint: r.fingerprint, counts: r.counts, reconciledAt: r.reconciled_at.toISOString() }]));
  }

  /** Domains of a run already finished (a retried job must not do them twice). */
  async finishedDomains(db: Db, parentId: string, domainUuids: string[]): Promise<Set<string>> {
    const rows: string[] = await db('sync_runs')
      .where({ parent_id: parentId })
      .whereNot('status', 'failed')
      .whereRaw('scope_domain_uuid = any(?::uuid[])', [domainUuids])
      .pluck('scope_domain_uuid');
    return new Set(rows.map(String));
  }

  /** In-process (CLI, poll) runs left `running` by a process that died (its lease ran out): failed, so the scope is free again. */
  async failAbandoned(db: Db): Promise<string[]> {
    const rows = await db('sync_runs')
      .whereNull('parent_id')
      .where({ status: 'running' })
      .whereIn('trigger', IN_PROCESS_TRIGGERS)
      .where('lease_until', '<', db.raw('now()'))
      .update({ status: 'failed', error: 'abandoned: the process running it stopped', finished_at: db.raw('now()'), lease_until: null })
      .returning('id');
    return rows.map((r: { id: string }) => r.id);
  }

  /** When each domain last synced successfully (a real run, not a dry run), for the metrics. */
  async lastSuccessByDomain(db: Db): Promise<Array<{ domain: string; at: number }>> {
    const result = await db.raw<{ rows: Array<{ name: string; at: number | null }> }>(
      `select d.name, extract(epoch from (
         select r.finished_at from sync_runs r
         where r.scope_domain_uuid = d.fusionpbx_domain_uuid and r.parent_id is not null and r.status = 'succeeded' and not r.dry_run
         order by r.finished_at desc limit 1)) as at
       from domains d where d.present`,
    );
    return result.rows.filter((r) => r.at !== null).map((r) => ({ domain: r.name, at: Number(r.at) }));
  }

  async countByStatus(db: Db, status: RunStatus): Promise<number> {
    const [row] = await db('sync_runs').whereNull('parent_id').where({ status }).count<{ count: number }[]>('* as count');
    return Number(row?.count ?? 0);
  }

  /** Deletes finished runs older than `days`, with their domain runs and their change logs. Returns the runs deleted. */
  async deleteFinishedBefore(db: Db, days: number): Promise<number> {
    const result = await db.raw<{ rows: Array<{ runs: number }> }>(
      `with old as (
         select id from sync_runs
         where parent_id is null and status in ('succeeded', 'failed', 'discarded') and finished_at < now() - (? || ' days')::interval),
       runs as (select id from old union all select r.id from sync_runs r join old on r.parent_id = old.id),
       changes as (delete from sync_changes c using runs where c.run_id = runs.id),
       deleted as (delete from sync_runs r using old where r.id = old.id returning 1)
       select count(*)::int as runs from deleted`,
      [days],
    );
    return result.rows[0]?.runs ?? 0;
  }
}
