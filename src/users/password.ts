import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Semaphore } from '../common/semaphore.js';
import { AppError } from '../errors/app-error.js';

/** OWASP's scrypt parameters (Password Storage Cheat Sheet): N=2^17, r=8, p=1, so 128 MiB per hash. */
export const SCRYPT = { N: 131072, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const MAX_MEMORY = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

// Verifying against this when a user has no hash (or does not exist) costs what a real check costs.
const DUMMY = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$AAAAAAAAAAAAAAAAAAAAAA==$${'A'.repeat(86)}==`;

/**
 * Password hashes, `scrypt$N$r$p$salt$hash` (base64): the parameters travel with the hash, so a
 * hash made with weaker ones still verifies and is made again at the next successful login. At
 * most `concurrency` hashes run at once (each takes 128 MiB and a core for a fraction of a
 * second); past `maxWaiting` waiting, a request is refused with 503 rather than queued without end.
 */
export class PasswordHasher {
  private readonly semaphore: Semaphore;

  constructor(private readonly limits: { concurrency: number; maxWaiting: number } = { concurrency: 2, maxWaiting: 64 }) {
    this.semaphore = new Semaphore(limits.concurrency);
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.bounded(() => derive(password, salt, SCRYPT));
    return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** Whether the password matches, and whether its hash should be made again with today's parameters. */
  async verify(password: string, stored: string | null): Promise<{ ok: boolean; rehash: boolean }> {
    const parts = (stored ?? DUMMY).split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return { ok: false, rehash: false };
    const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
    const expected = Buffer.from(hash, 'base64');
    const key = await this.bounded(() => derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) }));
    const ok = stored !== null && key.length === expected.length && timingSafeEqual(key, expected);
    return { ok, rehash: ok && (Number(n) !== SCRYPT.N || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p) };
  }

  private bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.semaphore.queued >= this.limits.maxWaiting) throw new AppError('NOT_READY', 'too many password checks are in progress; try again shortly');
    return this.semaphore.run(work);
  }
}

/** The password policy, with a message that says what is wrong. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < 12) return 'password: at least 12 characters';
  if ([...password].length > 256) return 'password: at most 256 characters';
  if (new Set(password).size < 4) return 'password: use at least 4 different characters';
  return null;
}
