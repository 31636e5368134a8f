import type { SearchClause } from '../sql/filters.ts';

/**
 * `search=` on SQLite: every word of the text must occur, each as a word prefix, anywhere in the
 * entry's URL, event type, error message, request body or response body (FTS5, unicode61 tokens:
 * letters and digits; punctuation splits words; case and accents ignored). `invoice in_12` finds an
 * entry whose payload holds `"invoice":"in_123"`. A word with punctuation (`example.com`) matches
 * those words in sequence.
 */
export const sqliteSearch: SearchClause = (text) => ({
  sql: 'rowid IN (SELECT rowid FROM attempts_search WHERE attempts_search MATCH ?)',
  params: [ftsQuery(text)],
});

/** Words → an FTS5 query of quoted prefix phrases, AND-ed; quotes in the text are dropped, so no syntax leaks through. */
export function ftsQuery(text: string): string {
  const words = text
    .split(/\s+/)
    .map((word) => word.replaceAll('"', ''))
    .filter((word) => /[\p{L}\p{N}]/u.test(word));
  return words.length === 0 ? '""' : words.map((word) => `"${word}"*`).join(' AND ');
}
