/**
 * The FusionPBX domain model every source returns, whatever it read (SQL rows or REST pages).
 * A field left `undefined` is unknown: the source cannot see it. It is never written as empty and
 * never used for matching. `null` means FusionPBX has no value.
 */

import type { Problem } from '../common/vocabulary.js';

export { ROLES, type Role, type Problem, type Entity, type ProblemKind } from '../common/vocabulary.js';

export interface UpstreamDomain {
  uuid: string;
  name: string;
  enabled: boolean;
}

export interface UpstreamUser {
  uuid: string;
  domainUuid: string;
  username: string | null;
  enabled: boolean;
  /** Trimmed, NFC, lower-cased and valid; null when FusionPBX has none or it was malformed. */
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  /** FusionPBX group names. */
  groups?: string[];
}

export interface UpstreamExtension {
  uuid: string;
  domainUuid: string;
  number: string;
  numberAlias?: string | null;
  callerIdName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  userContext?: string | null;
  enabled: boolean;
  /** Linked users, sorted ascending (the lowest owns the extension); undefined when unknown. */
  userUuids?: string[];
}

/** One domain as the source sees it. */
export type DomainSnapshot =
  | {
      state: 'present';
      domain: UpstreamDomain;
      users: UpstreamUser[];
      extensions: UpstreamExtension[];
      /** Rows the source saw but could not read: not removed, just unknown this run. */
      unreadableUserUuids: string[];
      unreadableExtensionUuids: string[];
      problems: Problem[];
    }
  /** The domain no longer exists upstream. */
  | { state: 'absent'; domainUuid: string; problems: Problem[] }
  /** The source refused the domain's lists (the REST app answers 404 for a disabled domain). */
  | { state: 'unknown'; domain: UpstreamDomain; reason: string; problems: Problem[] };

export interface CensusUser {
  uuid: string;
  domainUuid: string;
  enabled: boolean;
  email?: string | null;
}

/** The cheap whole-scope read a run starts with: used for the safety guard and for platform-wide email claims. */
export interface Census {
  domains: UpstreamDomain[];
  /** Domains whose lists the source refused this run. */
  unknownDomainUuids: string[];
  users: CensusUser[];
  problems: Problem[];
}
