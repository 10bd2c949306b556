import { FusionpbxFactory, type FxUser } from '../src/demo/fusionpbx-factory.js';

export interface DatasetSize {
  domains: number;
  usersPerDomain: number;
}

export const SIZES: Record<'small' | 'medium' | 'large' | 'huge', DatasetSize> = {
  small: { domains: 20, usersPerDomain: 50 },
  medium: { domains: 100, usersPerDomain: 100 },
  large: { domains: 1000, usersPerDomain: 100 },
  huge: { domains: 10_000, usersPerDomain: 100 },
};

/**
 * A FusionPBX-shaped platform built with the project's factory: `domains` x `usersPerDomain`
 * users, about 2% of them with an email another user (of another domain) also has, 1% without an
 * extension, and 1% of extensions without a user, so there are as many extensions as users.
 */
export function benchFactory(size: DatasetSize, seed = 7): FusionpbxFactory {
  const f = new FusionpbxFactory(seed);
  let n = 0;
  const all: FxUser[] = [];
  for (let d = 0; d < size.domains; d++) {
    const domain = f.domain(`tenant${d}.pbx.example.net`);
    for (let u = 0; u < size.usersPerDomain; u++, n++) {
      const duplicate = n % 50 === 49 && all.length > size.usersPerDomain;
      const email = duplicate ? all[n - size.usersPerDomain - 7]!.email : `user${n}@tenant${d}.example.com`;
      const user = f.user(domain, `user${u}`, { email, contact: { given: `Given${n}`, family: `Family${d}` }, groups: u === 0 ? ['admin'] : ['user'] });
      all.push(user);
      // 1% of users have no extension; their numbers go to extensions without a user.
      const ext = f.extension(domain, String(1000 + u), { callerIdName: `Given${n} Family${d}`, firstName: `Given${n}`, lastName: `Family${d}` });
      if (n % 100 !== 42) f.link(ext, user);
    }
  }
  return f;
}

/**
 * About 1% churn: names, emails, extension links change and users go, in equal parts. Returns
 * what it did, per kind.
 */
export function churn(f: FusionpbxFactory, fraction = 0.01): { renamed: number; emailed: number; relinked: number; removed: number } {
  const per = Math.max(1, Math.floor((f.users.length * fraction) / 4));
  const step = Math.floor(f.users.length / (per * 4));
  const picks = Array.from({ length: per * 4 }, (_, i) => f.users[i * step + 3]!);
  const [renamed, emailed, relinked, removed] = [0, 1, 2, 3].map((k) => picks.slice(k * per, (k + 1) * per));
  for (const u of renamed!) u.contact!.given = `${u.contact!.given}-renamed`;
  for (const u of emailed!) u.email = `moved.${u.email}`;
  const byUser = new Map(f.extensions.flatMap((e) => e.userUuids.map((id) => [id, e] as const)));
  for (const u of relinked!) {
    const ext = byUser.get(u.uuid);
    if (ext) ext.userUuids = [];
  }
  for (const u of removed!) f.removeUser(u);
  return { renamed: renamed!.length, emailed: emailed!.length, relinked: relinked!.length, removed: removed!.length };
}
