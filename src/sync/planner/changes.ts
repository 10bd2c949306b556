import type { Change, ChangeAction, EntityName, Fields } from '../../store/types.js';
import { createFields, diffFields, type Desired } from './field-diff.js';

/**
 * The change that takes `current` to `desired` (null when nothing differs), named by what matters
 * most: a create, a link of a manual user, a disable, an enable, else an update.
 */
export function changeFor(
  entity: EntityName,
  id: string,
  fusionpbxUuid: string | null,
  current: object | null,
  desired: Desired,
): Change | null {
  if (current === null) return { entity, action: 'created', id, fusionpbxUuid, before: null, after: createFields(desired) };
  const diff = diffFields(current, desired);
  if (!diff) return null;
  return { entity, action: actionOf(diff.before, diff.after), id, fusionpbxUuid, before: diff.before, after: diff.after };
}

function actionOf(before: Fields, after: Fields): ChangeAction {
  if (before.source === 'manual' && after.source === 'fusionpbx') return 'linked';
  const flag = after.status !== undefined ? after.status === 'enabled' : (after.present ?? after.enabled);
  if (typeof flag === 'boolean') return flag ? 'enabled' : 'disabled';
  return 'updated';
}
