import type { TenantTarget } from '../../config/mapping-file.js';
import type { DomainSnapshot, Problem, Role } from '../../sources/model.js';
import type { Change, StoreSnapshot } from '../../store/types.js';
import type { Counts } from './counts.js';

/** How a FusionPBX user found its store user: the linked uuid, the email, a manual user's extension, or none (a new user). */
export type MatchRule = 'uuid' | 'email' | 'extension' | 'new';

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
  /** How each matched FusionPBX user found its store user. */
  matchedBy: Map<string, MatchRule>;
}
