import type { TenantTarget } from '../../config/mapping-file.js';
import type { DomainSnapshot, Problem, Role } from '../../sources/model.js';
import type { Change, StoreSnapshot } from '../../store/types.js';
import type { Counts } from './counts.js';

/** Facts about the whole run, decided once before the domains are planned. */
export interface RunFacts {
  /** Emails several FusionPBX users claim, each with the one user allowed to hold it. */
  emailWinners: Record<string, string>;
  /** Domains whose lists the source refused this run. */
  unknownDomainUuids: string[];
}

export interface PlanInput {
  snapshot: DomainSnapshot;
  /** The tenant a present or unknown domain maps to. */
  target: TenantTarget | null;
  store: StoreSnapshot;
  run: RunFacts;
  roleFor(groups: string[] | undefined): Role | undefined;
  newId(): string;
}

export interface DomainPlan {
  domainUuid: string;
  changes: Change[];
  problems: Problem[];
  counts: Counts;
}
