import { readFileSync } from 'node:fs';

/** Every variable that can hold a secret; each may be given as `<NAME>_FILE` instead, as Docker and Kubernetes mount secrets. */
export const SECRET_VARIABLES = [
  'ADMIN_TOKEN',
  'ADMIN_TOKENS',
  'METRICS_TOKEN',
  'DATABASE_URL',
  'FUSIONPBX_DATABASE_URL',
  'FUSIONPBX_API_KEY',
  'FREESWITCH_ESL_PASSWORD',
  'FREESWITCH_XMLRPC_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
] as const;

/**
 * The environment with each `<NAME>_FILE` read into `<NAME>`: the file's contents, one trailing
 * newline trimmed. Setting both, or a file that cannot be read, is a problem naming the variable
 * (never the contents).
 */
export function withSecretFiles(env: Record<string, string | undefined>, problems: string[], read = (path: string) => readFileSync(path, 'utf8')): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of SECRET_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (path === undefined) continue;
    if (env[name] !== undefined) {
      problems.push(`${name}_FILE: ${name} is set too; set one of them`);
      continue;
    }
    try {
      out[name] = read(path).replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}
