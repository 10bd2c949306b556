/** Pure normalisation of FusionPBX values, shared by every source and by the admin API. */

const EMAIL = /^[^\s@"<>()[\],;:\\]+@[^\s@"<>()[\],;:\\]+\.[^\s@"<>()[\],;:\\.]+$/u;
/**
 * Characters no email may hold: control (Cc) and format (Cf) characters, so zero-width spaces and
 * joiners and bidi overrides too: an address that looks like another is refused, not stored.
 */
const EMAIL_INVISIBLE = /[\p{Cc}\p{Cf}]/u;
/** What names and numbers lose: control characters, and the bidi embeddings, overrides and isolates that reorder what is shown. */
const NAME_CONTROL = /\p{Cc}/gu;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/gu;

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
  if (!EMAIL.test(email) || local.length > 64 || EMAIL_INVISIBLE.test(email)) {
    return { email: null, warning: `email "${printable(email)}" is not a valid address` };
  }
  return { email };
}

/**
 * Names keep emoji (joiners included) and right-to-left text; control characters go, bidi
 * overrides go, whitespace collapses, 200 characters at most. (Global patterns are used with
 * `replace` only, which starts at the beginning every time: no state carries between calls.)
 */
export function cleanName(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.normalize('NFC').replace(BIDI_CONTROL, '').replace(NAME_CONTROL, ' ').replace(/\s\s+|[^\S ]/g, ' ').trim();
  if (text === '') return null;
  return text.length <= 200 ? text : [...text].slice(0, 200).join('');
}

/** Domain names are DNS names: case-insensitive, and a trailing dot names the same host. */
export function normalizeDomainName(raw: string): string {
  return raw.normalize('NFC').replace(NAME_CONTROL, '').replace(BIDI_CONTROL, '').trim().toLowerCase().replace(/\.+$/, '');
}

/** Extension numbers and aliases: trimmed text, empty means none. */
export function cleanNumber(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.replace(NAME_CONTROL, '').replace(BIDI_CONTROL, '').trim();
  return text === '' ? null : text.slice(0, 64);
}

function printable(text: string): string {
  const clean = text.replace(NAME_CONTROL, '?').replace(BIDI_CONTROL, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
