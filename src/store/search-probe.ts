import type { Db } from '../common/postgres.js';

/** A trigram in at least this share of rows narrows nothing and costs a posting list as long as the table. */
const COMMON = 0.2;
/** The rest of the search is looked up alone only when its rarest trigram is in at most this share of rows. */
const SELECTIVE = 0.01;

/**
 * Chooses what part of a user search the trigram index looks up. Some trigrams are in nearly every
 * row (the `use` of `user1234@`, a tenant's mail domain, a common name): looking them up walks a
 * posting list as long as the table and removes no row. When the rest of the search is selective
 * on its own, the index is asked for that rest and the whole search is checked on the few rows it
 * returns. The answer is always the same; only the work differs. How common a trigram is comes
 * from a sample of the users' search text, read again when it is older than `maxAgeMs`.
 */
export class SearchProbe {
  private share = new Map<string, number>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;

  constructor(private readonly options: { sampleRows: number; maxAgeMs: number } = { sampleRows: 2000, maxAgeMs: 600_000 }) {}

  /**
   * The part of `text` (lowercase) for the index: the longest run of a word's trigrams that are
   * not common, when that run is selective; otherwise the whole text. Always a substring of it.
   */
  probe(text: string): string {
    let best: { from: number; to: number; trigrams: number } | null = null;
    let common = false;
    for (const word of wordTrigrams(text)) {
      let run: { from: number; to: number; trigrams: number; rarest: number } | null = null;
      for (const { trigram, from, to } of word) {
        const share = this.share.get(trigram) ?? 0;
        if (share >= COMMON) {
          common = true;
          run = null;
          continue;
        }
        run ??= { from, to, trigrams: 0, rarest: 1 };
        run.to = to;
        run.trigrams += 1;
        run.rarest = Math.min(run.rarest, share);
        if (run.rarest <= SELECTIVE && (!best || run.trigrams > best.trigrams)) best = { ...run };
      }
    }
    return common && best ? text.slice(best.from, best.to) : text;
  }

  /** Starts reading a new sample when the last one is old; never waits for it (a failed read keeps the old one). */
  refreshIfOld(db: Db): void {
    if (this.reading || performance.now() - this.readAt < this.options.maxAgeMs) return;
    this.reading = this.refresh(db)
      .catch(() => undefined)
      .finally(() => {
        this.reading = null;
      });
  }

  /** Reads a sample of about `sampleRows` users' search text and learns from it. */
  async refresh(db: Db): Promise<void> {
    this.readAt = performance.now();
    const stats = await db.raw<{ rows: Array<{ rows: number }> }>(`select greatest(reltuples, 0)::float8 as rows from pg_class where oid = 'users'::regclass`);
    const percent = Math.min(100, (100 * this.options.sampleRows) / Math.max(1, stats.rows[0]?.rows ?? 0));
    const sample = await db.raw<{ rows: Array<{ search_text: string }> }>(`select search_text from users tablesample bernoulli (?) limit ?`, [percent, this.options.sampleRows]);
    this.learn(sample.rows.map((r) => r.search_text));
  }

  /** How common each trigram is in these texts: the share of texts that hold it inside a word. */
  learn(texts: string[]): void {
    const counts = new Map<string, number>();
    for (const text of texts) {
      const seen = new Set(wordTrigrams(text).flatMap((word) => word.map((t) => t.trigram)));
      for (const trigram of seen) counts.set(trigram, (counts.get(trigram) ?? 0) + 1);
    }
    this.share = new Map([...counts].map(([trigram, n]) => [trigram, n / Math.max(1, texts.length)]));
  }
}

/**
 * The trigrams inside each word (a run of letters and digits, as pg_trgm splits text), with where
 * each starts and ends in the text: one way to split for the sample and for the search.
 */
function wordTrigrams(text: string): Array<Array<{ trigram: string; from: number; to: number }>> {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((word) => {
    const chars = [...word[0]];
    let at = word.index;
    const starts = chars.map((c) => (at += c.length) - c.length);
    return chars.slice(0, -2).map((_, i) => {
      const trigram = chars.slice(i, i + 3).join('');
      return { trigram, from: starts[i]!, to: starts[i]! + trigram.length };
    });
  });
}
