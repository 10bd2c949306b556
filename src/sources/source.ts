import type { Census, DomainSnapshot, UpstreamDomain } from './model.js';

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
  close(): Promise<void>;
}
