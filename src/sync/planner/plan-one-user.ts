import type { Problem, UpstreamUser } from '../../sources/model.js';
import type { Change, FieldValue, StoreSnapshot, TraceStep } from '../../store/types.js';
import { bump, type Counts } from './counts.js';
import type { DomainPlan, PlanInput } from './plan-types.js';

/**
 * A domain's plan cut down to one FusionPBX user: the user's own change, the changes of the
 * extensions FusionPBX links to it (or the store links to it), an email released because this user
 * now owns it, and a tenant or domain the store does not have yet. Every other user's pending
 * change stays pending. Planned from the whole domain, so every rule of a full run holds (email
 * claims, ownership, exclusions); the trace says what was read, how the user matched, each field
 * planned with its before and after, and each conflict.
 */
export function planOneUser(plan: DomainPlan, input: PlanInput, userUuid: string, source: string): { plan: DomainPlan; trace: TraceStep[] } {
  const { snapshot, store } = input;
  const upstream = snapshot.state === 'present' ? snapshot.users.find((u) => u.uuid === userUuid) : undefined;
  const own = plan.changes.find((c) => c.entity === 'user' && c.fusionpbxUuid === userUuid);
  const storeId = own?.id ?? store.users.find((u) => u.fusionpbxUserUuid === userUuid)?.id ?? null;
  const linked = new Set(snapshot.state === 'present' ? snapshot.extensions.filter((e) => e.userUuids?.includes(userUuid)).map((e) => e.uuid) : []);
  const heldHere = new Set(store.extensions.filter((e) => storeId && e.userId === storeId).map((e) => e.fusionpbxExtensionUuid));
  const email = own?.after.email;
  const keep = (c: Change): boolean => {
    if (c.entity === 'tenant' || c.entity === 'domain') return c.action === 'created';
    if (c.entity === 'extension') {
      // An extension shared with a lower user goes to that user: only where the store already has it (no other user is created here).
      const to = c.after.userId;
      if (typeof to === 'string' && to !== storeId && !store.users.some((u) => u.id === to)) return false;
      return linked.has(c.fusionpbxUuid ?? '') || heldHere.has(c.fusionpbxUuid ?? '') || (storeId !== null && to === storeId);
    }
    if (c === own) return true;
    // Another user gives up the address this user now owns (the store keeps emails unique).
    return typeof email === 'string' && c.before?.email === email && Object.keys(c.after).length === 1 && c.after.email === null;
  };
  const changes = plan.changes.filter(keep);
  const concerns = (p: Problem) => p.fusionpbxUuid === userUuid || linked.has(p.fusionpbxUuid ?? '');
  const problems = plan.problems.filter(concerns);
  const counts: Counts = {};
  for (const change of changes) bump(counts, change.entity, change.action === 'deleted' ? 'updated' : change.action);
  for (const problem of problems) bump(counts, problem.entity, problem.kind);
  if (!own && plan.matchedBy.has(userUuid)) bump(counts, 'user', 'unchanged');
  const trace = [readStep(input, upstream, userUuid, source), matchStep(plan, store, userUuid, storeId), ...planSteps(changes, snapshotNumbers(input)), ...problems.map(problemStep)];
  return { plan: { ...plan, changes, problems, counts }, trace };
}

function readStep(input: PlanInput, user: UpstreamUser | undefined, userUuid: string, source: string): TraceStep {
  const { snapshot } = input;
  const from = `from the ${source} source`;
  if (snapshot.state === 'absent') return { step: 'read', outcome: 'domain removed', detail: `the user's domain is gone from FusionPBX (${from})` };
  if (snapshot.state === 'unknown') return { step: 'read', outcome: 'domain unknown', detail: `the source refused the domain's lists: ${snapshot.reason}` };
  if (!user) {
    const unreadable = snapshot.unreadableUserUuids.includes(userUuid);
    return { step: 'read', outcome: unreadable ? 'unreadable' : 'not found', detail: unreadable ? `FusionPBX has the user, but its row could not be read (${from}); see the problems` : `FusionPBX has no user ${userUuid} in domain ${snapshot.domain.name} (${from})` };
  }
  const numbers = snapshot.extensions.filter((e) => e.userUuids?.includes(user.uuid)).map((e) => e.number);
  const fields = [
    `username ${JSON.stringify(user.username)}`,
    user.enabled ? 'enabled' : 'disabled',
    user.email === undefined ? 'email not visible to this source' : `email ${JSON.stringify(user.email)}`,
    user.firstName === undefined && user.lastName === undefined ? 'contact names not visible to this source' : `contact names ${JSON.stringify(user.firstName)} ${JSON.stringify(user.lastName)}`,
    user.groups === undefined ? 'groups not visible to this source' : `groups ${user.groups.join(', ') || '(none)'}`,
    `extensions ${numbers.join(', ') || '(none)'}`,
  ];
  return { step: 'read', outcome: 'found', detail: `${fields.join('; ')} (${from}, domain ${snapshot.domain.name})` };
}

function matchStep(plan: DomainPlan, store: StoreSnapshot, userUuid: string, storeId: string | null): TraceStep {
  if (store.excludedUserUuids.includes(userUuid)) return { step: 'match', outcome: 'excluded', detail: 'an admin deleted this user: it is never recreated until the exclusion is lifted' };
  const rule = plan.matchedBy.get(userUuid);
  if (!rule) return { step: 'match', outcome: 'none', detail: 'the user was not matched this run (see the conflicts, or the read step)' };
  const detail = {
    uuid: `linked by its FusionPBX user_uuid to store user ${storeId}`,
    email: `matched by email to manual user ${storeId}, which it links`,
    extension: `matched by an extension manual user ${storeId} holds, which it links`,
    new: `no store user has its uuid, email or extensions: user ${storeId} is created`,
  }[rule];
  return { step: 'match', outcome: rule === 'new' ? 'created' : rule, detail };
}

function planSteps(changes: Change[], numbers: Map<string, string>): TraceStep[] {
  if (changes.length === 0) return [{ step: 'plan', outcome: 'unchanged', detail: 'the store already holds what FusionPBX has for this user' }];
  return changes.flatMap((c) => {
    const what = c.entity === 'extension' ? `extension ${numbers.get(c.fusionpbxUuid ?? '') ?? c.id}` : c.entity;
    return Object.entries(c.after).map(([field, after]) => ({ step: 'plan', outcome: `${what}.${field}`, detail: `${shown(c.before?.[field])} -> ${shown(after)} (${c.action})` }));
  });
}

function problemStep(p: Problem): TraceStep {
  return { step: p.kind, outcome: p.code, detail: p.message };
}

function snapshotNumbers(input: PlanInput): Map<string, string> {
  return new Map(input.snapshot.state === 'present' ? input.snapshot.extensions.map((e) => [e.uuid, e.number]) : []);
}

function shown(value: FieldValue | undefined): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
