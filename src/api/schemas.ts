import { z } from 'zod';
import { fusionpbxId, isFusionpbxId } from '../common/fusionpbx-id.js';
import { ROLES } from '../common/vocabulary.js';

/**
 * The API's shapes, as zod schemas: they validate every input (strict: an unknown field is
 * refused), serialise every response (nothing outside the schema leaves, such as a password hash),
 * and generate the OpenAPI document.
 */

/** Text Postgres can store: no NUL character (Postgres refuses it in text columns and parameters). */
const text = (max: number) => z.string().max(max).refine((v) => !v.includes('\u0000'), 'must not contain a NUL character');

export const uuidParam = z.uuid();
/** A FusionPBX id in a path: any uuid version, any case (stored lower-case). */
export const fusionpbxIdParam = fusionpbxId;
export const limit = z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1 to 500');
export const cursor = text(200).min(1).optional().describe('The nextCursor of the previous page');
const isoTime = z.iso.datetime({ offset: true });
const name = text(200);

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const counts = z.record(z.string(), z.record(z.string(), z.number()));

export const runSchema = z.object({
  id: z.uuid(),
  trigger: z.enum(['schedule', 'poll', 'api', 'cli']),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'quarantined', 'discarded']),
  dryRun: z.boolean(),
  domain: z.string().nullable().describe('The domain uuid of a one-domain run'),
  scopeDomains: z.array(z.string()).nullable().describe('The domains a poll found changed, for a run the poll started'),
  user: z.string().nullable().describe('The FusionPBX user uuid of a one-user run'),
  actor: z.string().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  counts,
  quarantineReason: z.string().nullable(),
  error: z.string().nullable(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  discardedBy: z.string().nullable(),
  discardedAt: z.string().nullable(),
});

const fields = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable();

export const changeSchema = z.object({
  entity: z.enum(['tenant', 'domain', 'user', 'extension']),
  action: z.string(),
  id: z.string().nullable(),
  fusionpbxUuid: z.string().nullable(),
  before: fields,
  after: fields,
  applied: z.boolean(),
  actor: z.string(),
  clientAddress: z.string().nullable().describe('The address of the admin request that made the change; null for the sync'),
  at: z.string(),
});

export const problemSchema = z.object({
  kind: z.enum(['conflict', 'error', 'warning']),
  entity: z.enum(['tenant', 'domain', 'user', 'extension']),
  fusionpbxUuid: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});

export const runDetailSchema = runSchema.extend({
  domains: z.array(z.object({ domain: z.string().nullable(), status: z.string(), counts, error: z.string().nullable() })),
  changes: z.array(changeSchema.extend({ current: fields.optional().describe("A quarantined run's planned change: the store's values now of the fields it would set (null: the object is gone)") })),
  problems: z.array(problemSchema),
  nextChangesCursor: z.string().nullable(),
  nextProblemsCursor: z.string().nullable(),
  trace: z
    .array(z.object({ step: z.string(), outcome: z.string(), detail: z.string() }))
    .optional()
    .describe('A one-user run: what was read, how the user matched, each field planned (before -> after), conflicts, whether it was applied'),
});

export const tenantSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  enabled: z.boolean(),
  fusionpbxDomainUuid: z.string().nullable().describe('The domain feeding the tenant (null when several do)'),
  fusionpbxDomainUuids: z.array(z.string()),
  syncKey: z.string().nullable(),
});

export const extensionSchema = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  number: z.string(),
  numberAlias: z.string().nullable(),
  callerIdName: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  userId: z.uuid().nullable(),
  enabled: z.boolean(),
  present: z.boolean().describe('False once the extension is gone from FusionPBX'),
  linkSource: z.enum(['sync', 'admin']).nullable(),
  fusionpbxExtensionUuid: z.string(),
});

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  tenantId: z.uuid(),
  role: z.enum(ROLES),
  status: z.enum(['enabled', 'disabled']),
  disabledBy: z.enum(['sync', 'admin']).nullable(),
  disabledReason: z.string().nullable(),
  disabledUntil: z.string().nullable(),
  source: z.enum(['manual', 'fusionpbx']),
  fusionpbxUserUuid: z.string().nullable(),
  username: z.string().nullable(),
  extensions: z.array(z.object({ id: z.uuid(), number: z.string() })),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const activationSchema = z.object({
  action: z.enum(['enabled', 'disabled']),
  reason: z.string().nullable(),
  until: z.string().nullable(),
  actor: z.string(),
  runId: z.string().nullable(),
  at: z.string(),
});

export const exclusionSchema = z.object({
  fusionpbxUserUuid: z.string(),
  userId: z.string().nullable().describe('The id the user had before it was deleted'),
  email: z.string().nullable(),
  username: z.string().nullable(),
  tenantId: z.string().nullable(),
  reason: z.string().nullable(),
  excludedBy: z.string(),
  createdAt: z.string(),
});

export const triggerBody = z
  .object({
    domain: text(255).trim().min(1).optional().describe('A domain name or domain_uuid; none for every domain'),
    user: text(320)
      .trim()
      .min(1)
      .optional()
      .refine((v) => v === undefined || isFusionpbxId(v) || /^[^@\s]+@[^@\s]+$/.test(v), 'must be a FusionPBX user uuid or username@domain')
      .describe('One FusionPBX user (its uuid, or username@domain), synced alone with its extensions; the run shows a trace'),
    dryRun: z.boolean().optional().describe('Plan and record the changes without writing them'),
  })
  .strict()
  .refine((b) => !(b.domain && b.user), { message: 'name a domain or a user, not both', path: ['user'] });

export const newUserBody = z
  .object({
    email: text(320),
    password: text(1024),
    tenantId: z.uuid(),
    role: z.enum(ROLES),
    firstName: name.nullable().optional(),
    lastName: name.nullable().optional(),
  })
  .strict();

export const patchUserBody = z
  .object({
    email: text(320).optional(),
    password: text(1024).optional(),
    tenantId: z.uuid().optional(),
    role: z.enum(ROLES).optional(),
    firstName: name.nullable().optional(),
    lastName: name.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change');

export const disableBody = z
  .object({
    reason: text(500).nullable().optional(),
    until: isoTime.nullable().optional().describe('ISO-8601 time; the user is enabled again then'),
  })
  .strict();

/** A body a route does not need: none, or `{}`. */
export const emptyBody = z.object({}).strict().nullish();

export const verifyBody = z
  .object({
    email: text(320),
    password: text(1024),
    clientAddress: z.union([z.ipv4(), z.ipv6()]).optional().describe("The end user's IP address: failed logins are also counted per address"),
  })
  .strict();

export const userQuery = z
  .object({
    q: text(100).trim().min(1).optional().describe('Part of the email or the name'),
    tenant: z.uuid().optional(),
    role: z.enum(ROLES).optional(),
    status: z.enum(['enabled', 'disabled']).optional(),
    source: z.enum(['manual', 'fusionpbx']).optional(),
    limit,
    cursor,
  })
  .strict();

export const listQuery = z.object({ limit, cursor }).strict();

export const extensionQuery = z
  .object({
    tenant: z.uuid().optional(),
    unassigned: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
    limit,
    cursor,
  })
  .strict();

export const runDetailQuery = z
  .object({
    limit,
    changesCursor: z.string().regex(/^\d{1,18}$/).optional(),
    problemsCursor: z.string().regex(/^\d{1,18}$/).optional(),
    entity: z.enum(['tenant', 'domain', 'user', 'extension']).optional().describe('Only the changes of this entity'),
    kind: z.enum(['conflict', 'error', 'warning']).optional().describe('Only the problems of this kind'),
  })
  .strict();

export const runListQuery = z
  .object({
    limit,
    cursor,
    status: runSchema.shape.status.optional(),
    trigger: runSchema.shape.trigger.optional(),
  })
  .strict();
