import { FusionpbxFactory } from './fusionpbx-factory.js';

const FIRST = ['Alice', 'Bruno', 'Chloé', 'Dmitri', 'Emeka', 'Fatima', 'Gustav', 'Hana', 'Ivan', 'Júlia', 'Kenji', 'Leila', 'Mateo', 'Nadia', 'Omar', 'Priya'];
const LAST = ['Smith', 'Müller', 'García', 'Kowalski', 'Okafor', 'Haddad', 'Lindqvist', 'Tanaka', 'Petrov', 'Souza', 'Sato', 'Rahimi', 'Rossi', 'Novak', 'Farouk', 'Iyer'];

/**
 * The bundled demo: three tenants, about fifty users, and FusionPBX's awkward cases — emails in
 * mixed case with spaces, an email only in the contact, one email in two domains, a user without
 * extension, an extension without user, an extension shared by two users, a disabled domain,
 * names in several scripts.
 */
export function demoFactory(): FusionpbxFactory {
  const f = new FusionpbxFactory(20261122);
  const acme = f.domain('acme.pbx.example.net');
  const globex = f.domain('globex.pbx.example.net');
  const initech = f.domain('initech.pbx.example.net', { enabled: false });

  for (const [domain, count, base] of [
    [acme, 18, 1000],
    [globex, 18, 2000],
    [initech, 10, 3000],
  ] as const) {
    for (let i = 0; i < count; i++) {
      const first = FIRST[(i + base / 1000) % FIRST.length]!;
      const last = LAST[(i * 3 + base / 1000) % LAST.length]!;
      const plain = (s: string) => s.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
      const username = `${plain(first)}.${plain(last)}${i >= FIRST.length ? i : ''}`;
      const user = f.user(domain, username, {
        email: `${username}@${domain.name.split('.')[0]}.example`,
        contact: { given: first, family: last },
        groups: i === 0 ? ['admin'] : ['user'],
      });
      const ext = f.extension(domain, String(base + 1 + i), { callerIdName: `${first} ${last}`, firstName: first, lastName: last });
      f.link(ext, user);
    }
  }

  // Mixed case and spaces: stored trimmed and lower-cased.
  f.user(acme, 'mixed.case', { email: '  Mixed.Case@ACME.Example ', contact: { given: 'Mixed', family: 'Case' } });
  // A 4.x-era user: no user_email, only the contact's primary email.
  f.user(acme, 'legacy', { email: null, contact: { given: 'Legacy', family: 'User', emails: [{ address: 'legacy@acme.example', primary: true }] } });
  // One email in two domains: the lower user_uuid keeps it, the other syncs without it.
  f.user(acme, 'shared.one', { email: 'front-desk@example.com', contact: { given: 'Front', family: 'Desk (Acme)' } });
  f.user(globex, 'shared.two', { email: 'front-desk@example.com', contact: { given: 'Front', family: 'Desk (Globex)' } });
  // Unicode names.
  f.user(globex, 'zhang.wei', { email: 'zhang.wei@globex.example', contact: { given: '伟', family: '张' } });
  f.user(globex, 'noor', { email: 'noor@globex.example', contact: { given: 'نور', family: 'الهدى' } });
  // An extension without a user (a lobby phone) and one shared by two users.
  f.extension(acme, '1900', { callerIdName: 'Lobby' });
  const support = f.extension(globex, '2900', { callerIdName: 'Support Line' });
  for (const u of f.users.filter((u) => u.domainUuid === globex.uuid).slice(1, 3)) f.link(support, u);
  // A malformed email: the user still syncs, without it.
  f.user(globex, 'typo', { email: 'typo@@globex', contact: { given: 'Typo', family: 'Address' } });
  return f;
}
