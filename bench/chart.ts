/**
 * docs/benchmark.svg from the bench's JSON results (bench/results/, the newest run of each size):
 * full, no-op and 1%-change sync time, and peak RSS, against the number of users, on log scales.
 * `npm run bench` writes it after each run; `npx tsx bench/chart.ts` writes it from the results there.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

interface Result {
  date: string;
  size: string;
  dataset: { users: number };
  figures: Array<{ figure: string; value: number }>;
}

const SERIES = [
  { label: 'full sync (s)', match: 'full sync, in-process (CLI)', color: '#1f77b4', axis: 'time' },
  { label: 'no-op sync (s)', match: 'no-op re-sync', color: '#2ca02c', axis: 'time' },
  { label: '1% change (s)', match: '1% change re-sync', color: '#ff7f0e', axis: 'time' },
  { label: 'peak RSS (MB)', match: 'peak RSS of the syncing process', color: '#d62728', axis: 'memory' },
] as const;

export function newestResults(dir = 'bench/results'): Result[] {
  const bySize = new Map<string, Result>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const result = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Result;
    bySize.set(result.size, result);
  }
  return [...bySize.values()].sort((a, b) => a.dataset.users - b.dataset.users);
}

export function chartSvg(results: Result[]): string {
  const [W, H, left, right, top, bottom] = [760, 360, 70, 70, 40, 60];
  const users = results.map((r) => r.dataset.users);
  const value = (r: Result, match: string) => r.figures.find((f) => f.figure.startsWith(match))?.value;
  const log = (v: number) => Math.log10(Math.max(v, 1e-3));
  const [xMin, xMax] = [log(Math.min(...users)) - 0.2, log(Math.max(...users)) + 0.2];
  const x = (u: number) => left + ((log(u) - xMin) / (xMax - xMin)) * (W - left - right);
  const scale = (axis: string) => {
    const values = results.flatMap((r) => SERIES.filter((s) => s.axis === axis).map((s) => value(r, s.match) ?? 0)).filter((v) => v > 0);
    const [lo, hi] = [Math.floor(log(Math.min(...values))), Math.ceil(log(Math.max(...values)))];
    return { lo, hi, y: (v: number) => H - bottom - ((log(v) - lo) / Math.max(hi - lo, 1)) * (H - top - bottom) };
  };
  const time = scale('time');
  const memory = scale('memory');
  const parts: string[] = [];
  for (let e = time.lo; e <= time.hi; e++) parts.push(`<line x1="${left}" x2="${W - right}" y1="${time.y(10 ** e)}" y2="${time.y(10 ** e)}" stroke="#ddd"/><text x="${left - 6}" y="${time.y(10 ** e) + 4}" text-anchor="end">${10 ** e} s</text>`);
  for (let e = memory.lo; e <= memory.hi; e++) parts.push(`<text x="${W - right + 6}" y="${memory.y(10 ** e) + 4}" fill="#d62728">${10 ** e} MB</text>`);
  for (const u of users) parts.push(`<text x="${x(u)}" y="${H - bottom + 18}" text-anchor="middle">${u.toLocaleString('en-US')}</text>`);
  parts.push(`<text x="${(W + left - right) / 2}" y="${H - 16}" text-anchor="middle">users (log scale)</text>`);
  SERIES.forEach((s, i) => {
    const y = s.axis === 'time' ? time.y : memory.y;
    const points = results.flatMap((r) => {
      const v = value(r, s.match);
      return v === undefined ? [] : [`${x(r.dataset.users).toFixed(1)},${y(v).toFixed(1)}`];
    });
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const p of points) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${s.color}"/>`);
    parts.push(`<rect x="${left + 10 + i * 160}" y="12" width="12" height="4" fill="${s.color}"/><text x="${left + 26 + i * 160}" y="18">${s.label}</text>`);
  });
  const dates = results.map((r) => `${r.size} ${r.date.slice(0, 10)}`).join(', ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<title>fusionpbx-sync benchmark: sync time and peak RSS against users (${dates})</title>
<rect width="${W}" height="${H}" fill="white"/>
${parts.join('\n')}
</svg>
`;
}

export function writeChart(file = 'docs/benchmark.svg'): void {
  writeFileSync(file, chartSvg(newestResults()));
}

if (process.argv[1]?.endsWith('chart.ts')) {
  writeChart();
  process.stdout.write('wrote docs/benchmark.svg\n');
}
