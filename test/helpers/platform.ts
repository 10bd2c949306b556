import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';

/**
 * A regular FusionPBX platform for the queue and fault tests: `domains` domains of `users` users,
 * each user with an email, contact names and an extension of its own. `ids: 'any'` gives every
 * domain, user, extension and link an id that is not RFC 4122 version 4.
 */
export function platform(seed: number, domains: number, users: number, ids: 'v4' | 'any' = 'v4'): FusionpbxFactory {
  const f = new FusionpbxFactory(seed, ids);
  for (let d = 0; d < domains; d++) {
    const domain = f.domain(`p${d}.example.net`);
    for (let u = 0; u < users; u++) {
      const user = f.user(domain, `u${u}`, { email: `u${u}@p${d}.example.com`, contact: { given: `Given${u}`, family: `Family${d}` } });
      f.link(f.extension(domain, String(100 + u)), user);
    }
  }
  return f;
}

/**
 * What real installs hold besides the regular rows, spread over the platform's domains (every
 * `every`-th domain gets each): a deleted user whose extension link stayed behind (FusionPBX deletes
 * no links, reference §1.8), a second user linked to an extension, a user whose email is only in
 * its primary contact (upgraded from 4.x), a disabled user and extension, an extension of nobody,
 * and mixed-case usernames and emails.
 */
export function withLeftovers(f: FusionpbxFactory, every = 5): FusionpbxFactory {
  f.domains.forEach((domain, d) => {
    if (d % every !== 0) return;
    const users = f.users.filter((u) => u.domainUuid === domain.uuid);
    const extensions = f.extensions.filter((e) => e.domainUuid === domain.uuid);
    if (users.length < 6 || extensions.length < 6) return;
    const [gone, sharing, legacy, off, mixed] = users;
    // The deleted user's link stays on its extension, and that extension also gets a living user.
    f.link(extensions[0]!, users[5]!);
    f.removeUser(gone!);
    f.link(extensions[2]!, sharing!);
    legacy!.contact = { ...legacy!.contact!, emails: [{ address: legacy!.email!, primary: true }] };
    legacy!.email = null;
    off!.enabled = false;
    extensions[3]!.enabled = false;
    mixed!.username = `Mixed.${mixed!.username}`;
    mixed!.email = `Mixed.Case@P${d}.Example.com`;
    f.extension(domain, '999');
  });
  return f;
}
