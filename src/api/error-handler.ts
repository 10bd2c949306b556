import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors/app-error.js';

/** Fastify's own errors, as our codes. */
const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'the request body is larger than ADMIN_BODY_LIMIT'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_FAILED', 'the body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_FAILED', 'the body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'the Content-Length does not match the body'],
  FST_ERR_BAD_URL: ['VALIDATION_FAILED', 'the URL is malformed'],
  FST_ERR_ASYNC_CONSTRAINT: ['VALIDATION_FAILED', 'the request is malformed'],
};

/**
 * Every error the API answers with, mapped in one place to `{"error":{"code","message"}}`. An
 * unexpected error is logged and answered 500 with a generic message: its text never leaves.
 */
export function errorReply(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, code: ErrorCode, message: string, details?: Record<string, unknown>) =>
    reply.status(status).send({ error: { code, message, ...(details ? { details } : {}) } });

  if (error instanceof AppError) {
    if (error.code === 'TOO_MANY_ATTEMPTS') reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 60));
    return send(error.status, error.code, error.message, error.details);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => `${v.instancePath.replace(/^\//, '').replace(/\//g, '.') || error.validationContext || 'body'}: ${v.message}`);
    return send(400, 'VALIDATION_FAILED', `${error.validationContext ?? 'request'} is invalid: ${issues.slice(0, 5).join('; ')}`);
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error }, 'a response did not match its schema');
    return send(500, 'INTERNAL_ERROR', 'internal error');
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return send(known[0] === 'PAYLOAD_TOO_LARGE' ? 413 : known[0] === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 400, known[0], known[1]);
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return send(400, 'VALIDATION_FAILED', 'the request is malformed');
  }
  if (isQueueUnavailable(error)) return send(503, 'NOT_READY', 'the job queue (Redis) is not reachable; try again shortly');
  request.log.error({ err: error }, 'request failed');
  return send(500, 'INTERNAL_ERROR', 'internal error');
}

function isQueueUnavailable(error: unknown): boolean {
  const message = (error as Error | null)?.message ?? '';
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED.*6379|MaxRetriesPerRequest/i.test(message);
}
