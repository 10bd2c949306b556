import type { Db } from '../common/postgres.js';
import { AppError } from '../errors/app-error.js';
import type { ChangeRecord, ChangeStore } from '../store/change-store.js';
import { currentValues } from '../store/current-values.js';
import type { Run, RunStatus, RunStore, RunTrigger } from '../store/run-store.js';
import type { EntityName, Fields } from '../store/types.js';
import type { Problem } from '../common/vocabulary.js';
import { changeView, problemView, runSummary } from './run-view.js';

export interface DetailPaging {
  limit: number;
  changesAfter?: number;
  problemsAfter?: number;
  /** Only the changes of this entity, only the problems of this kind. */
  entity?: EntityName;
  kind?: Problem['kind'];
}

export interface RunReadsDeps {
  db: Db;
  runs: RunStore;
  changes: ChangeStore;
}

/** Runs as the admin API, the CLI and the demo show them: listed newest first, or one with its domains, changes and problems. */
export class RunReads {
  constructor(private readonly deps: RunReadsDeps) {}

  async list(limit: number, after: { queuedAt: string; id: string } | null, filter: { status?: RunStatus; trigger?: RunTrigger } = {}) {
    return (await this.deps.runs.list(this.deps.db, limit, after, filter)).map(runSummary);
  }

  /** A top-level run; NOT_FOUND for one that does not exist (or a domain's row of one). */
  async get(id: string): Promise<Run> {
    const run = await this.deps.runs.get(this.deps.db, id);
    if (!run || run.parentId) throw new AppError('NOT_FOUND', `run ${id} does not exist`);
    return run;
  }

  async detail(id: string, paging: DetailPaging): Promise<RunDetail> {
    return this.detailOf(await this.get(id), paging);
  }

  /** A run with its domains and one page each of its changes and problems. */
  async detailOf(run: Run, paging: DetailPaging) {
    const { db, runs, changes } = this.deps;
    const [domains, changePage, problemPage, trace] = await Promise.all([
      runs.domains(db, run.id),
      changes.forRun(db, run.id, { problems: false, limit: paging.limit + 1, afterId: paging.changesAfter, entity: paging.entity }),
      changes.forRun(db, run.id, { problems: true, limit: paging.limit + 1, afterId: paging.problemsAfter, kind: paging.kind }),
      run.scopeUserUuid ? runs.trace(db, run.id) : null,
    ]);
    const next = (page: ChangeRecord[]) => (page.length > paging.limit ? String(page[paging.limit - 1]!.id) : null);
    const shown = changePage.slice(0, paging.limit);
    // A quarantined run's plan beside what the store holds now, field by field.
    const now = run.status === 'quarantined' ? await currentValues(db, shown.flatMap((c) => (c.objectId && !c.applied ? [{ entity: c.entity, id: c.objectId }] : []))) : null;
    return {
      ...runSummary(run),
      domains: domains.map((d) => ({ domain: d.scopeDomainUuid, status: d.status, counts: d.counts, error: d.error })),
      changes: shown.map((c) => ({ ...changeView(c), ...(now ? { current: currentOf(now, c) } : {}) })),
      problems: problemPage.slice(0, paging.limit).map(problemView),
      nextChangesCursor: next(changePage),
      nextProblemsCursor: next(problemPage),
      ...(run.scopeUserUuid ? { trace: trace ?? [] } : {}),
    };
  }
}

export type RunDetail = Awaited<ReturnType<RunReads['detailOf']>>;

/** The store's values now of the fields a planned change would set; null for an object the store does not have. */
function currentOf(now: Map<string, Fields>, c: ChangeRecord): Fields | null {
  const fields = now.get(`${c.entity}:${c.objectId}`);
  return fields ? Object.fromEntries(Object.keys(c.after ?? {}).map((k) => [k, fields[k] ?? null])) : null;
}
