import { z } from 'zod';

/**
 * A FusionPBX id (domain, user, extension, link, contact uuid): any `8-4-4-4-12` hex string, in
 * any case. FusionPBX keys are PostgreSQL `uuid` columns, which hold any 32 hex digits: provisioning
 * scripts (`md5(...)::uuid`), imports and third-party tools write ids of every version and variant,
 * and FusionPBX's own `is_uuid()` accepts them (resources/functions.php). Nothing stricter applies
 * to an id FusionPBX made; ids this daemon makes (runs, users) stay RFC 9562.
 */
const PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isFusionpbxId(value: unknown): value is string {
  return typeof value === 'string' && PATTERN.test(value);
}

/** The zod form every layer validates a FusionPBX id with: any case in, lower case out. */
export const fusionpbxId = z
  .string()
  .regex(PATTERN, 'must be a FusionPBX id (8-4-4-4-12 hex digits)')
  .transform((id) => id.toLowerCase());
