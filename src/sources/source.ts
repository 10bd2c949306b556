import type { Census, DomainSnapshot, UpstreamDomain } from './model.js';

/** A write counter per polled table, opaque: a counter that differs from the last one read means the table was written since. */
export type TableWrites = Record<string, string>;

/** Per table, per domain (`*` for rows of no domain): a signature of its rows, and the latest date FusionPBX gave one of them. */
export interface TableSignatures {
  /** FusionPBX's clock when they were read (epoch ms). */
  clock: number;
  /** `changedAt`: the latest insert_date/update_date of the domain's rows (epoch ms, FusionPBX's clock). */
  tables: Record<string, Record<string, { signature: string; changedAt: number | null }>>;
}

/**
 * A FusionPBX source. Both adapters (`database`, `rest`) return the same validated model; a row
 * that fails validation becomes a Problem on its domain, never an exception.
 */
export interface FusionpbxSource {
  readonly kind: 'database' | 'rest';
  /** Every domain FusionPBX has, enabled or not. */
  listDomains(): Promise<UpstreamDomain[]>;
  /** Domains plus the identity, status and email of every user in them (all domains when `domainUuids` is omitted). */
  census(domainUuids?: string[]): Promise<Census>;
  /** Full snapshots of the given domains, in the same order. */
  readDomains(domainUuids: string[]): Promise<DomainSnapshot[]>;
  /**
   * A digest of each domain (all domains when omitted) over every upstream value a plan of it
   * reads: equal digests mean equal upstream data. Absent when the source cannot compute one
   * without reading everything (the REST app).
   */
  digests?(domainUuids?: string[]): Promise<Map<string, string>>;
  /**
   * The users of any domain whose email is one the given domains' users claim (their own users
   * included): what a run of some domains needs to settle platform-wide email claims without a
   * census of every user. Absent where the source cannot search by email: the whole census is read.
   */
  claimants?(domainUuids: string[]): Promise<Census['users']>;
  /**
   * A whole-platform run's facts without holding every user (absent where the source can only
   * list: the REST app, whose runs read the census): the users of a uuid range, each domain's
   * number of users, and the users whose email another user also claims.
   */
  usersBetween?(from: string, to: string): Promise<Map<string, Census['users'][number]>>;
  userCounts?(): Promise<Map<string, number>>;
  contestedClaimants?(): Promise<Census['users']>;
  /** Change polling (absent where the source cannot tell, as the REST app: no polling there). */
  tableWrites?(): Promise<TableWrites>;
  tableSignatures?(tables: string[]): Promise<TableSignatures>;
  /** The domain of a FusionPBX user, by uuid; null when FusionPBX has no such user. */
  userDomain?(userUuid: string): Promise<string | null>;
  close(): Promise<void>;
}
