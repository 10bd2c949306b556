import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminToken } from '../config/admin-tokens.js';

/**
 * Bearer tokens compared in constant time: every presented token is hashed to the same length
 * and compared against every configured token, so neither its length nor how much of it matches
 * changes the time the refusal takes.
 */
export class TokenCheck<T extends { token: string }> {
  private readonly digests: Array<{ entry: T; digest: Buffer }>;

  constructor(tokens: readonly T[]) {
    this.digests = tokens.map((entry) => ({ entry, digest: sha256(entry.token) }));
  }

  /** The configured token the header presents, or null. */
  match(authorization: string | undefined): T | null {
    const presented = sha256(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    let found: T | null = null;
    for (const { entry, digest } of this.digests) {
      if (timingSafeEqual(presented, digest) && found === null) found = entry;
    }
    return found;
  }
}

export type AdminTokenCheck = TokenCheck<AdminToken>;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
