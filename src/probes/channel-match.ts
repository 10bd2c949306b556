import type { ActiveCall, CallTarget } from './active-call-probe.js';

/** The columns of a `show channels` row the match needs (FreeSWITCH gives every value as text). */
export interface ChannelRow {
  uuid?: string;
  presence_id?: string;
  callstate?: string;
}

/**
 * A channel belongs to extension E of domain D when its presence_id is `E@D`, `<alias>@D` or
 * `E@<user_context>`, compared case-insensitively. Ringing and held calls count (deleting
 * mid-ring breaks the call too); only HANGUP does not.
 */
export function matchChannels(rows: ChannelRow[], targets: CallTarget[], node: string): ActiveCall[] {
  const byPresence = new Map<string, CallTarget>();
  for (const t of targets) {
    for (const key of presenceKeys(t)) byPresence.set(key, t);
  }
  const calls: ActiveCall[] = [];
  for (const row of rows) {
    const presence = (row.presence_id ?? '').trim().toLowerCase();
    const target = presence ? byPresence.get(presence) : undefined;
    if (!target || (row.callstate ?? '').toUpperCase() === 'HANGUP') continue;
    calls.push({ extensionId: target.extensionId, number: target.number, callUuid: row.uuid ?? '', presenceId: row.presence_id ?? null, state: row.callstate ?? '', node });
  }
  return calls;
}

function presenceKeys(t: CallTarget): string[] {
  const domain = t.domainName.toLowerCase();
  const keys = [`${t.number}@${domain}`];
  if (t.numberAlias) keys.push(`${t.numberAlias}@${domain}`);
  if (t.userContext) keys.push(`${t.number}@${t.userContext}`);
  return keys.map((k) => k.toLowerCase());
}
