import type { Db } from '../common/postgres.js';
import { rowReader } from './tables.js';

export interface ActivationEvent {
  userId: string;
  action: 'enabled' | 'disabled';
  reason: string | null;
  until: string | null;
  actor: string;
  runId: string | null;
}

export interface ActivationRecord extends ActivationEvent {
  id: number;
  createdAt: string;
}

const ACTIVATION = rowReader<ActivationRecord>(
  { id: 'id', userId: 'user_id', action: 'action', reason: 'reason', until: 'until', actor: 'actor', runId: 'run_id', createdAt: 'created_at' },
  ['until', 'createdAt'],
);

/** Every enable and disable of a user, by the sync or by an admin (`user_activation_log`). */
export class ActivationLogStore {
  async record(db: Db, events: ActivationEvent[]): Promise<void> {
    if (events.length === 0) return;
    await db.raw(
      `insert into user_activation_log (user_id, action, reason, until, actor, run_id)
       select user_id, action, reason, until, actor, run_id
       from jsonb_to_recordset(?::jsonb) as v(user_id uuid, action text, reason text, until timestamptz, actor text, run_id uuid)`,
      [
        JSON.stringify(
          events.map((e) => ({ user_id: e.userId, action: e.action, reason: e.reason, until: e.until, actor: e.actor, run_id: e.runId })),
        ),
      ],
    );
  }

  async forUser(db: Db, userId: string, limit: number, afterId?: number): Promise<ActivationRecord[]> {
    const rows = await db('user_activation_log')
      .where({ user_id: userId })
      .modify((b) => (afterId ? b.where('id', '>', afterId) : b))
      .orderBy('id')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => ACTIVATION.read(r));
  }
}
