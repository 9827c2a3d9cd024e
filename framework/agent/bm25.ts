/** Words of a text for keyword ranking: lower case, snake_case split, plural s dropped. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word))
    .map((word) => (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word));
}

const STOP_WORDS = new Set(
  'a an and are as at be by did do does for from has have how i in is it me of on or show tell that the their them there these this to was were what when where which who why with you your give list'.split(
    ' ',
  ),
);

/** Okapi BM25 over a fixed set of documents (k1 = 1.2, b = 0.75). */
export class Bm25<T> {
  private readonly docs: { item: T; terms: Map<string, number>; length: number }[];
  private readonly frequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(items: readonly T[], text: (item: T) => string) {
    this.docs = items.map((item) => {
      const words = tokenize(text(item));
      const terms = new Map<string, number>();
      for (const word of words) terms.set(word, (terms.get(word) ?? 0) + 1);
      for (const word of terms.keys()) this.frequency.set(word, (this.frequency.get(word) ?? 0) + 1);
      return { item, terms, length: words.length };
    });
    this.averageLength = this.docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, this.docs.length);
  }

  search(query: string, limit: number): { item: T; score: number }[] {
    const words = [...new Set(tokenize(query))];
    const n = this.docs.length;
    const scored = this.docs.map((doc) => {
      let score = 0;
      for (const word of words) {
        const tf = doc.terms.get(word);
        if (!tf) continue;
        const df = this.frequency.get(word)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * doc.length) / this.averageLength));
      }
      return { item: doc.item, score };
    });
    return scored
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }
}
