import type { Actor, Problem } from '../common/vocabulary.js';
import type { Db } from '../common/postgres.js';
import { rowReader } from './tables.js';
import type { Change, ChangeAction, EntityName, Fields } from './types.js';

/** One row of `sync_changes`: a change (applied or only planned) or a problem, by the sync or an admin. */
export interface ChangeRecord {
  id: number;
  runId: string | null;
  domainUuid: string | null;
  kind: 'change' | Problem['kind'];
  entity: EntityName;
  action: ChangeAction | null;
  code: string | null;
  objectId: string | null;
  fusionpbxUuid: string | null;
  before: Fields | null;
  after: Fields | null;
  message: string | null;
  actor: string;
  /** The client address of the admin request that made the change; null for the sync's. */
  clientAddress: string | null;
  applied: boolean;
  createdAt: string;
}

export interface Origin {
  runId: string | null;
  domainUuid: string | null;
  actor: Actor;
}

/** A row of sync_changes as a ChangeRecord. */
const CHANGE = rowReader<ChangeRecord>(
  {
    id: 'id',
    runId: 'run_id',
    domainUuid: 'fusionpbx_domain_uuid',
    kind: 'kind',
    entity: 'entity',
    action: 'action',
    code: 'code',
    objectId: 'object_id',
    fusionpbxUuid: 'fusionpbx_uuid',
    before: 'before',
    after: 'after',
    message: 'message',
    actor: 'actor',
    clientAddress: 'client_address',
    applied: 'applied',
    createdAt: 'created_at',
  },
  ['createdAt'],
);
const toRecord = (row: Record<string, unknown>) => CHANGE.read(row);

/** The change log (`sync_changes`), written in one statement per batch. */
export class ChangeStore {
  async record(db: Db, origin: Origin, changes: Array<Change & { applied: boolean }>, problems: Problem[]): Promise<void> {
    await this.recordMany(db, { runId: origin.runId, actor: origin.actor }, [{ domainUuid: origin.domainUuid, changes, problems }]);
  }

  /** Changes and problems of several domains of one run, in one statement. */
  async recordMany(
    db: Db,
    origin: { runId: string | null; actor: Actor },
    entries: Array<{ domainUuid: string | null; changes: Array<Change & { applied: boolean }>; problems: Problem[] }>,
  ): Promise<void> {
    const rows = entries.flatMap(({ domainUuid, changes, problems }) => [
      ...changes.map((c) => ({
        domain: domainUuid,
        kind: 'change',
        entity: c.entity,
        action: c.action,
        code: null,
        object_id: c.id,
        fusionpbx_uuid: c.fusionpbxUuid,
        before: c.before,
        // A create lists only the fields it sets: the change log stays small.
        after: c.action === 'created' ? withoutNulls(c.after) : c.after,
        message: null,
        applied: c.applied,
      })),
      ...problems.map((p) => ({
        domain: domainUuid,
        kind: p.kind,
        entity: p.entity,
        action: null,
        code: p.code,
        object_id: null,
        fusionpbx_uuid: p.fusionpbxUuid,
        before: null,
        after: null,
        message: p.message.slice(0, 1000),
        applied: false,
      })),
    ]);
    if (rows.length === 0) return;
    await db.raw(
      `insert into sync_changes (run_id, fusionpbx_domain_uuid, actor, client_address, kind, entity, action, code, object_id, fusionpbx_uuid, before, after, message, applied)
       select ?::uuid, domain, ?, ?, kind, entity, action, code, object_id, fusionpbx_uuid, before, after, message, applied
       from jsonb_to_recordset(?::jsonb) as v(domain uuid, kind text, entity text, action text, code text, object_id uuid, fusionpbx_uuid uuid,
                                             before jsonb, after jsonb, message text, applied boolean)`,
      [origin.runId, origin.actor.name, origin.actor.address, JSON.stringify(rows)],
    );
  }

  /** Changes (or problems, with `problems: true`) of a run, in order, keyset-paged by id. */
  async forRun(db: Db, runId: string, options: { problems: boolean; limit: number; afterId?: number; entity?: EntityName; kind?: Problem['kind'] }): Promise<ChangeRecord[]> {
    const rows = await db('sync_changes')
      .where({ run_id: runId })
      .modify((b) => (options.problems ? (options.kind ? b.where('kind', options.kind) : b.whereNot('kind', 'change')) : b.where('kind', 'change')))
      .modify((b) => (options.entity ? b.where('entity', options.entity) : b))
      .modify((b) => (options.afterId ? b.where('id', '>', options.afterId) : b))
      .orderBy('id')
      .limit(options.limit);
    return rows.map(toRecord);
  }

  /** Every change made to one user, by the sync or by an admin, oldest first. */
  async forUser(db: Db, userId: string, limit: number, afterId?: number): Promise<ChangeRecord[]> {
    const rows = await db('sync_changes')
      .where({ entity: 'user', object_id: userId, kind: 'change' })
      .modify((b) => (afterId ? b.where('id', '>', afterId) : b))
      .orderBy('id')
      .limit(limit);
    return rows.map(toRecord);
  }

  /** The planned (not applied) changes of one domain of a run, for an approval to apply. */
  async planned(db: Db, runId: string, domainUuid: string): Promise<Array<Change & { recordId: number }>> {
    const rows = await db('sync_changes')
      .where({ run_id: runId, fusionpbx_domain_uuid: domainUuid, kind: 'change', applied: false })
      .orderBy('id');
    return rows.map((r: Record<string, unknown>) => {
      const c = toRecord(r);
      return { recordId: c.id, entity: c.entity, action: c.action!, id: c.objectId!, fusionpbxUuid: c.fusionpbxUuid, before: c.before, after: c.after ?? {} };
    });
  }

  /** Carries the problems (conflicts, errors, warnings) of each domain's last run over to this run. */
  async copyProblems(db: Db, runId: string, from: Array<{ domainUuid: string; runId: string }>): Promise<void> {
    if (from.length === 0) return;
    await db.raw(
      `insert into sync_changes (run_id, fusionpbx_domain_uuid, actor, kind, entity, action, code, object_id, fusionpbx_uuid, before, after, message, applied)
       select ?::uuid, c.fusionpbx_domain_uuid, c.actor, c.kind, c.entity, c.action, c.code, c.object_id, c.fusionpbx_uuid, c.before, c.after, c.message, false
       from sync_changes c
       join unnest(?::uuid[], ?::uuid[]) as p(domain, run) on c.run_id = p.run and c.fusionpbx_domain_uuid = p.domain
       where c.kind <> 'change'
       order by c.id`,
      [runId, from.map((f) => f.domainUuid), from.map((f) => f.runId)],
    );
  }

  async markApplied(db: Db, recordIds: number[]): Promise<void> {
    if (recordIds.length > 0) await db('sync_changes').whereIn('id', recordIds).update({ applied: true });
  }
}

function withoutNulls(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null) out[k] = v;
  return out;
}
