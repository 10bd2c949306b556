import { isFusionpbxId } from '../common/fusionpbx-id.js';
import { AppError } from '../errors/app-error.js';

/** Opaque page cursors: the keyset values of the last item, base64url-encoded. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, size: number, valid: (parts: string[]) => boolean): string[] | null {
  if (cursor === undefined) return null;
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === size && parts.every((p) => typeof p === 'string') && valid(parts)) return parts;
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor this API gave out');
}

export const isUuidPart = (p: string) => isFusionpbxId(p);
export const isTimePart = (p: string) => !Number.isNaN(Date.parse(p)) && p.length <= 40;
export const isIdPart = (p: string) => /^\d{1,18}$/.test(p);

/** One page out of `limit + 1` rows: the first `limit`, and a cursor when there was one more. */
export function paged<T>(rows: T[], limit: number, keyOf: (last: T) => string[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}
