/** What a token may do. `read`: every GET of /v1 and the OpenAPI document; the others: their routes' writes. */
export const SCOPES = ['read', 'verify', 'users', 'sync', 'approve'] as const;
export type Scope = (typeof SCOPES)[number];

export interface AdminToken {
  /** Recorded as the actor of every change the token makes. */
  label: string;
  token: string;
  scopes: readonly Scope[];
}

const ENTRY = /^([\w.-]{1,64})(?:\[([^\]]*)\])?:(.+)$/;

/**
 * `ADMIN_TOKEN` (label `admin`, every scope) and `ADMIN_TOKENS`: comma-separated `label:token`
 * (every scope) or `label[scope+scope]:token` (only those). Tokens are at least 16 characters;
 * labels and tokens are each used once. Problems are added to `problems`, never with a token.
 */
export function parseAdminTokens(single: string | undefined, list: string | undefined, problems: string[]): AdminToken[] {
  const tokens: AdminToken[] = single ? [{ label: 'admin', token: single, scopes: SCOPES }] : [];
  (list ?? '').split(',').map((s) => s.trim()).filter(Boolean).forEach((entry, i) => {
    const match = ENTRY.exec(entry);
    if (!match || match[3]!.length < 16) {
      problems.push(`ADMIN_TOKENS: entry ${i + 1} must be label:token or label[scope+scope]:token, with a token of at least 16 characters`);
      return;
    }
    const [, label, scopeList, token] = match as unknown as [string, string, string | undefined, string];
    const scopes = scopeList === undefined ? SCOPES : scopeList.split('+').map((s) => s.trim());
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      problems.push(`ADMIN_TOKENS: ${label} has ${unknown.length > 0 ? `the unknown scope(s) ${unknown.join(', ')}` : 'no scope'} (scopes: ${SCOPES.join(', ')})`);
      return;
    }
    if (tokens.some((t) => t.label === label)) problems.push(`ADMIN_TOKENS: the label ${label} is used twice`);
    if (tokens.some((t) => t.token === token)) problems.push(`ADMIN_TOKENS: ${label} has the same token as ${tokens.find((t) => t.token === token)!.label}`);
    tokens.push({ label, token, scopes: [...new Set(scopes as Scope[])] });
  });
  return tokens;
}
