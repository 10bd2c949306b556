import { AppError } from '../errors/app-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_DEPTH = 32;

/**
 * The JSON body parser: invalid UTF-8 is refused, never silently replaced; `__proto__` and
 * `constructor` keys are refused; nesting deeper than 32 levels is refused; an empty body is no
 * body, a literal `null` is refused.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (key === '__proto__' || key === 'constructor') throw new AppError('VALIDATION_FAILED', `the body has a forbidden key "${key}"`);
      return v;
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('VALIDATION_FAILED', 'the body is not valid JSON');
  }
  // A route that takes no body treats "no body" as nothing to validate; a literal null is not "no body".
  if (value === null) throw new AppError('VALIDATION_FAILED', 'the body must be a JSON object, not null');
  if (depth(value) > MAX_DEPTH) throw new AppError('VALIDATION_FAILED', `the body is nested deeper than ${MAX_DEPTH} levels`);
  return value;
}

function depth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d);
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
