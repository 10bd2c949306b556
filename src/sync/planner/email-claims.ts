import type { CensusUser } from '../../sources/model.js';

/**
 * Emails are unique across the platform, FusionPBX's are not. For every email more than one
 * FusionPBX user claims, this picks the one user that may hold it: the user already holding it in
 * the store (an address is never taken away from the user who logs in with it), else the lowest
 * user_uuid. Decided once per run over every domain, so parallel domains agree.
 */
export function resolveEmailClaims(users: CensusUser[], holders: ReadonlyMap<string, string | null>): Record<string, string> {
  const claimants = new Map<string, string[]>();
  for (const user of users) {
    if (!user.email) continue;
    const list = claimants.get(user.email);
    if (list) list.push(user.uuid);
    else claimants.set(user.email, [user.uuid]);
  }
  const winners: Record<string, string> = {};
  for (const [email, uuids] of claimants) {
    if (uuids.length < 2) continue;
    const incumbent = holders.get(email);
    winners[email] = incumbent && uuids.includes(incumbent) ? incumbent : uuids.sort()[0]!;
  }
  return winners;
}

/** Emails claimed by more than one FusionPBX user (the ones `resolveEmailClaims` needs store holders for). */
export function contestedEmails(users: CensusUser[]): string[] {
  const seen = new Set<string>();
  const contested = new Set<string>();
  for (const user of users) {
    if (!user.email) continue;
    if (seen.has(user.email)) contested.add(user.email);
    seen.add(user.email);
  }
  return [...contested];
}
