import type { Db } from '../common/postgres.js';
import { rowReader } from './tables.js';

export interface Exclusion {
  fusionpbxUserUuid: string;
  /** The id the user had in the store before it was deleted. */
  userId: string | null;
  email: string | null;
  username: string | null;
  tenantId: string | null;
  reason: string | null;
  excludedBy: string;
  createdAt: string;
}

const EXCLUSION = rowReader<Exclusion>(
  { fusionpbxUserUuid: 'fusionpbx_user_uuid', userId: 'user_id', email: 'email', username: 'username', tenantId: 'tenant_id', reason: 'reason', excludedBy: 'excluded_by', createdAt: 'created_at' },
  ['createdAt'],
);

/** FusionPBX users an admin deleted here: the sync never recreates them until the exclusion is lifted. */
export class ExclusionStore {
  async add(db: Db, e: Omit<Exclusion, 'createdAt'>): Promise<void> {
    await db('user_exclusions')
      .insert({
        fusionpbx_user_uuid: e.fusionpbxUserUuid,
        user_id: e.userId,
        email: e.email,
        username: e.username,
        tenant_id: e.tenantId,
        reason: e.reason,
        excluded_by: e.excludedBy,
      })
      .onConflict('fusionpbx_user_uuid')
      .ignore();
  }

  async list(db: Db, limit: number, after: string | null): Promise<Exclusion[]> {
    const rows = await db('user_exclusions')
      .modify((b) => (after ? b.where('fusionpbx_user_uuid', '>', after) : b))
      .orderBy('fusionpbx_user_uuid')
      .limit(limit);
    return rows.map((r: Record<string, unknown>) => EXCLUSION.read(r));
  }

  /** Lifts an exclusion; returns the deleted user's former id, or undefined when there was no exclusion. */
  async remove(db: Db, fusionpbxUserUuid: string): Promise<{ userId: string | null } | undefined> {
    const rows = await db('user_exclusions').where({ fusionpbx_user_uuid: fusionpbxUserUuid }).del().returning('user_id');
    return rows[0] ? { userId: (rows[0].user_id as string | null) ?? null } : undefined;
  }
}
