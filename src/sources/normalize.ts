/** Pure normalisation of FusionPBX values, shared by every source and by the admin API. */

const EMAIL = /^[^\s@"<>()[\],;:\\]+@[^\s@"<>()[\],;:\\]+\.[^\s@"<>()[\],;:\\.]+$/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * FusionPBX flags are text `'true'`/`'false'` up to 5.4 and booleans from 5.5. `''` is what the
 * 5.5 upgrade turns into false. `null` means different things per flag, so the caller says which.
 * Anything else is not a value FusionPBX writes: `undefined` tells the caller to reject the row.
 */
export function parseFlag(value: unknown, whenNull: boolean): boolean | undefined {
  if (value === null || value === undefined) return whenNull;
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 't') return true;
  if (text === 'false' || text === 'f' || text === '') return false;
  return undefined;
}

export type EmailResult = { email: string | null; warning?: string };

/** Trim, Unicode NFC, lower-case; a malformed address becomes null with a warning. */
export function normalizeEmail(raw: string | null | undefined): EmailResult {
  if (raw === null || raw === undefined) return { email: null };
  const email = raw.normalize('NFC').trim().toLowerCase();
  if (email === '') return { email: null };
  if (email.length > 254) return { email: null, warning: `email is ${email.length} characters long (at most 254)` };
  const local = email.slice(0, email.lastIndexOf('@'));
  if (!EMAIL.test(email) || local.length > 64 || CONTROL.test(email)) {
    return { email: null, warning: `email "${printable(email)}" is not a valid address` };
  }
  return { email };
}

/** Names keep emoji and right-to-left text; control characters go, whitespace collapses, 200 characters at most. */
export function cleanName(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.normalize('NFC').replace(CONTROL, ' ').replace(/\s\s+|[^\S ]/g, ' ').trim();
  if (text === '') return null;
  return text.length <= 200 ? text : [...text].slice(0, 200).join('');
}

/** Domain names are DNS names: case-insensitive, and a trailing dot names the same host. */
export function normalizeDomainName(raw: string): string {
  return raw.normalize('NFC').replace(CONTROL, '').trim().toLowerCase().replace(/\.+$/, '');
}

/** Extension numbers and aliases: trimmed text, empty means none. */
export function cleanNumber(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.replace(CONTROL, '').trim();
  return text === '' ? null : text.slice(0, 64);
}

function printable(text: string): string {
  const clean = text.replace(CONTROL, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
