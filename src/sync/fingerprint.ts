import { createHash } from 'node:crypto';
import type { Problem } from '../common/vocabulary.js';
import type { DomainMapping } from '../config/mapping-file.js';

/** Raised whenever the planner's rules change, so fingerprints made by older rules no longer match. */
export const PLANNER_VERSION = '1';

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/**
 * What a domain's plan depends on besides upstream and store rows: the planner's rules, the
 * mapping (tenant target, roles), the run's decisions about emails this domain's users claim, and
 * which domains the source could not read.
 */
export function runDigest(mapping: DomainMapping, domain: { uuid: string; name: string } | null, claimedEmails: Iterable<string>, emailWinners: Record<string, string>, unknownDomains: string[]): string {
  const claims = [...new Set(claimedEmails)].filter((e) => emailWinners[e] !== undefined).sort().map((e) => `${e}=${emailWinners[e]}`);
  return md5(
    JSON.stringify([
      PLANNER_VERSION,
      domain ? mapping.tenantFor(domain) : null,
      mapping.file.roles,
      mapping.file.defaultRole,
      claims,
      [...unknownDomains].sort(),
    ]),
  );
}

/**
 * The fingerprint of a domain: equal fingerprints mean the same upstream data, the same store
 * rows and the same run facts, so the same plan. None when a part is missing, or when the plan met
 * a conflict that depends on rows outside the domain (an email another tenant's user holds).
 */
export function fingerprint(upstream: string | undefined, store: string | undefined, run: string, problems: Problem[] = []): string | null {
  if (!upstream || !store) return null;
  if (problems.some((p) => p.code === 'EMAIL_TAKEN')) return null;
  return md5(`${upstream}#${store}#${run}`);
}
