import type { Actor } from '../common/vocabulary.js';
import { isFusionpbxId } from '../common/fusionpbx-id.js';
import { AppError } from '../errors/app-error.js';
import type { Run, RunTrigger } from '../store/run-store.js';
import { applyApprovedDomain } from './domain-sync.js';
import { endedRun } from './run-pipeline.js';
import type { SyncServiceDeps } from './sync-deps.js';

export interface RunRequest {
  trigger: RunTrigger;
  /** A domain's name or uuid; none for the whole platform. */
  domain?: string;
  /** A FusionPBX user, by uuid or `username@domain`: that user alone (and its extensions). */
  user?: string;
  /** The domains the change poll found changed (trigger `poll`). */
  domains?: string[];
  /** For a poll's run: when each domain changed (epoch ms), for the lag metric. */
  changeHints?: Record<string, number>;
  dryRun?: boolean;
  actor?: string | null;
}

/** Requests runs (one live run per scope), and approves or discards quarantined ones; RunPipeline runs them. */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  /** A new queued run for the scope, or the live run already holding it. */
  async requestRun(request: RunRequest): Promise<{ run: Run; created: boolean }> {
    if (request.domain && request.user) throw new AppError('VALIDATION_FAILED', 'name a domain or a user, not both');
    const user = request.user ? await this.resolveUser(request.user) : null;
    const domainUuid = user?.domainUuid ?? (request.domain ? await this.resolveDomain(request.domain) : null);
    const dryRun = request.dryRun ?? false;
    const scope = user ? `user:${user.userUuid}` : request.domains || request.trigger === 'poll' ? 'poll' : (domainUuid ?? 'all');
    return this.deps.runs.createOrJoin(this.deps.db, {
      id: this.deps.newId(),
      trigger: request.trigger,
      scopeKey: `${dryRun ? 'dry-run:' : ''}${scope}`,
      scopeDomainUuid: domainUuid,
      scopeDomainUuids: request.domains ?? null,
      scopeUserUuid: user?.userUuid ?? null,
      changeHints: request.changeHints ?? null,
      dryRun,
      actor: request.actor ?? null,
    });
  }

  /** A FusionPBX user by uuid or `username@domain`, and its domain: known to the store or to FusionPBX. */
  async resolveUser(ref: string): Promise<{ userUuid: string; domainUuid: string }> {
    const { db, scope, source } = this.deps;
    const notFound = () => new AppError('NOT_FOUND', `no FusionPBX user is numbered or named "${ref.slice(0, 100)}"`);
    const userUuid = isFusionpbxId(ref) ? ref.toLowerCase() : null;
    if (userUuid) {
      const known = await scope.findSyncedUser(db, { userUuid });
      if (known) return known;
      const domainUuid = source.userDomain ? await source.userDomain(userUuid) : (await source.census()).users.find((u) => u.uuid === userUuid)?.domainUuid;
      if (!domainUuid) throw notFound();
      return { userUuid, domainUuid };
    }
    const at = ref.lastIndexOf('@');
    if (at <= 0 || at === ref.length - 1) throw new AppError('VALIDATION_FAILED', 'user: a FusionPBX user uuid, or username@domain');
    const username = ref.slice(0, at).trim();
    const domainUuid = await this.resolveDomain(ref.slice(at + 1)).catch(() => {
      throw notFound();
    });
    const known = await scope.findSyncedUser(db, { domainUuid, username });
    if (known) return known;
    const [snapshot] = await source.readDomains([domainUuid]);
    const found = snapshot?.state === 'present' ? snapshot.users.find((u) => u.username?.toLowerCase() === username.toLowerCase()) : undefined;
    if (!found) throw notFound();
    return { userUuid: found.uuid, domainUuid };
  }

  /** A domain by uuid or name, known to the store or to FusionPBX. */
  async resolveDomain(ref: string): Promise<string> {
    const known = await this.deps.scope.findDomain(this.deps.db, ref);
    if (known) return known;
    const name = ref.trim().toLowerCase().replace(/\.+$/, '');
    const upstream = (await this.deps.source.listDomains()).find((d) => d.uuid === name || d.name === name);
    if (upstream) return upstream.uuid;
    throw new AppError('NOT_FOUND', `no FusionPBX domain is named or numbered "${ref.slice(0, 100)}"`);
  }

  /** Takes a quarantined run for approval (once); the caller then applies it, here or in the background. */
  async approve(runId: string, actor: Actor): Promise<Run> {
    await this.requireQuarantined(runId);
    if (!(await this.deps.runs.approve(this.deps.db, runId, actor.name))) {
      throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is not quarantined (it was approved or discarded meanwhile)`);
    }
    return (await this.deps.runs.get(this.deps.db, runId))!;
  }

  /** Applies an approved run's kept plans, domain by domain, and ends it succeeded. */
  async applyApproved(runId: string): Promise<Run> {
    const { db, runs } = this.deps;
    const run = (await runs.get(db, runId))!;
    for (const domain of await runs.domains(db, runId)) {
      if (domain.status === 'quarantined') await applyApprovedDomain(this.deps, run, domain);
    }
    await runs.finish(db, runId, { status: 'succeeded', from: ['running'] });
    return endedRun(this.deps, runId);
  }

  async discard(runId: string, actor: Actor): Promise<Run> {
    await this.requireQuarantined(runId);
    if (!(await this.deps.runs.finish(this.deps.db, runId, { status: 'discarded', from: ['quarantined'], discardedBy: actor.name }))) {
      throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is not quarantined (it was approved or discarded meanwhile)`);
    }
    return endedRun(this.deps, runId);
  }

  private async requireQuarantined(runId: string): Promise<Run> {
    const run = await this.deps.runs.get(this.deps.db, runId);
    if (!run || run.parentId) throw new AppError('NOT_FOUND', `run ${runId} does not exist`);
    if (run.status !== 'quarantined') throw new AppError('RUN_NOT_QUARANTINED', `run ${runId} is ${run.status}, not quarantined`);
    return run;
  }
}
