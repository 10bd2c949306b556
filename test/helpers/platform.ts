import { FusionpbxFactory } from '../../src/demo/fusionpbx-factory.js';

/**
 * A regular FusionPBX platform for the queue and fault tests: `domains` domains of `users` users,
 * each user with an email, contact names and an extension of its own.
 */
export function platform(seed: number, domains: number, users: number): FusionpbxFactory {
  const f = new FusionpbxFactory(seed);
  for (let d = 0; d < domains; d++) {
    const domain = f.domain(`p${d}.example.net`);
    for (let u = 0; u < users; u++) {
      const user = f.user(domain, `u${u}`, { email: `u${u}@p${d}.example.com`, contact: { given: `Given${u}`, family: `Family${d}` } });
      f.link(f.extension(domain, String(100 + u)), user);
    }
  }
  return f;
}
