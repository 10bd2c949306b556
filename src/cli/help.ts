/** The CLI's usage text, whole and per command (`fusionpbx-sync help <command>`). */
export const HELP = {
  start: `Usage: fusionpbx-sync start

The admin API, a worker and the schedule in one process (the container's default command).
Runs until SIGTERM or SIGINT, then drains its jobs within SHUTDOWN_TIMEOUT_MS.
`,
  worker: `Usage: fusionpbx-sync worker

The queue's processors, the schedule, housekeeping and the change poll. Run as many as you like
against one Redis and one Postgres; /healthz, /readyz and /metrics answer on ADMIN_PORT.
`,
  api: `Usage: fusionpbx-sync api

The admin HTTP API only (ADMIN_HOST:ADMIN_PORT).
`,
  sync: `Usage: fusionpbx-sync sync [--domain D | --user U] [--dry-run] [--json]

Runs one sync to the end in this process: every domain, one domain (its name or uuid), or one
FusionPBX user (its uuid or username@domain, synced alone, with a trace).
  --dry-run   plan and record the changes, write nothing
  --json      stdout holds one JSON object: the run, or {"error": {...}}
Progress goes to stderr. SIGINT or SIGTERM: the batches in flight finish, the run ends failed.
Exit: 0 succeeded, 1 failed, 2 usage or configuration, 3 quarantined, 4 a dependency unreachable, 130 interrupted.
`,
  migrate: `Usage: fusionpbx-sync migrate

Migrates the users store and exits (the other commands migrate at start too, under an advisory lock).
`,
  demo: `Usage: fusionpbx-sync demo [--source rest] [--once]

The bundled demo: a FusionPBX-shaped database, a FreeSWITCH stand-in and the daemon on them.
`,
  version: `Usage: fusionpbx-sync --version

Prints the version.
`,
} as const;

export const USAGE = `Usage: fusionpbx-sync <command> [options]

Commands:
  start       API, worker and schedule in one process (the container default)
  worker      job processors, schedule, housekeeping, change poll
  api         admin HTTP API only
  sync        one sync to the end in this process (--domain, --user, --dry-run, --json)
  migrate     migrate the users store and exit
  demo        the bundled demo (see README)
  help <command>, --version

Exit codes: 0 ok, 1 failed, 2 usage or configuration, 3 quarantined, 4 a dependency unreachable, 130 interrupted.
`;
