import type { CountGroup, CountKey } from '../common/vocabulary.js';
import type { RunDetail } from '../sync/run-reads.js';

const COLUMNS: CountKey[] = ['created', 'updated', 'linked', 'enabled', 'disabled', 'unchanged', 'conflict', 'error', 'warning'];
const GROUPS: CountGroup[] = ['tenants', 'domains', 'users', 'extensions'];

/** A run as a short, readable report for a terminal. */
export function formatRun(run: RunDetail): string {
  const seconds = run.startedAt && run.finishedAt ? ((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(2) : '?';
  const lines = [
    `Run ${run.id}: ${run.status}${run.dryRun ? ' (dry run: nothing was written)' : ''}, trigger ${run.trigger}, ${seconds} s`,
    '',
    ['', ...COLUMNS].map((c, i) => (i === 0 ? c.padEnd(12) : c.padStart(10))).join(''),
    ...GROUPS.map((g) => [g.padEnd(12), ...COLUMNS.map((c) => String(run.counts[g]?.[c] ?? 0).padStart(10))].join('')),
  ];
  if (run.quarantineReason) {
    lines.push('', `Quarantined: ${run.quarantineReason}.`, `Nothing was applied. Review the planned changes, then approve or discard:`);
    lines.push(`  POST /v1/sync/runs/${run.id}/approve   or   POST /v1/sync/runs/${run.id}/discard`);
  }
  if (run.error) lines.push('', `Error: ${run.error}`);
  if (run.trace) {
    lines.push('', `Trace of user ${run.user}:`);
    for (const t of run.trace) lines.push(`  ${t.step.padEnd(8)} ${t.outcome}: ${t.detail}`);
  }
  if (run.problems.length > 0) {
    lines.push('', `Problems${run.nextProblemsCursor ? ` (first ${run.problems.length})` : ''}:`);
    for (const p of run.problems) lines.push(`  ${p.kind.padEnd(8)} ${p.entity.padEnd(9)} ${p.code}: ${p.message}`);
  }
  return lines.join('\n') + '\n';
}
