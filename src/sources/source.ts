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
  close(): Promise<void>;
}
