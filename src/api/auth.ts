import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens compared in constant time: every presented token is hashed to the same length
 * and compared against every configured token, so neither its length nor how much of it matches
 * changes the time the refusal takes. Returns the token's label (the actor), or null.
 */
export class TokenCheck {
  private readonly digests: Array<{ label: string; digest: Buffer }>;

  constructor(tokens: Array<{ label: string; token: string }>) {
    this.digests = tokens.map((t) => ({ label: t.label, digest: sha256(t.token) }));
  }

  actorFor(authorization: string | undefined): string | null {
    const presented = sha256(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    let actor: string | null = null;
    for (const { label, digest } of this.digests) {
      if (timingSafeEqual(presented, digest) && actor === null) actor = label;
    }
    return actor;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
