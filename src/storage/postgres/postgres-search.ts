import type { SearchClause } from '../sql/filters.ts';

// `search=` on PostgreSQL: a tsvector column on attempts with a GIN index, matched with a tsquery.
// Both are built here, from the same tokenizer, rather than by PostgreSQL's text-search parser:
// its parser knows URLs, hosts, file paths and numbers with dots, and depends on the database's
// locale and on the `unaccent` extension being installed, while SQLite's FTS5 `unicode61` tokens
// are plain runs of letters and digits. One tokenizer on both sides gives the same answers on
// both backends, on any PostgreSQL, with no extension:
// - a token is a run of letters, digits (and private-use characters); everything else separates;
// - case is folded and accents dropped (NFD, then every combining mark removed);
// - each word of the search text must occur, as a prefix of a token; a word with punctuation
//   (`in_123`, `example.com`) is its tokens in sequence (a phrase), the last one a prefix;
// - a phrase never spans two fields (the fields are apart in the tsvector's positions).
// Limits of tsvector: positions go up to 16,383, so past that the positions wrap around (16,384
// is 1 again). A phrase deep in a long body is still found (PostgreSQL's own to_tsvector would
// clamp every later position to 16,383 and find none), at the price of rare false matches of
// tokens exactly k × 16,383 + 1 apart; a lexeme keeps at most 256 positions; tokens over 2,047
// bytes are not indexed.

const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_LEXEME = 256;
const MAX_LEXEME_BYTES = 2047;
/** tsvector's lexemes may take 1 MiB in all; stay clear of it. */
const MAX_TOTAL_LEXEME_BYTES = 900_000;

/** The tokens of `text`: case folded, accents removed. */
export function searchTokens(text: string): string[] {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().match(TOKEN) ?? [];
}

/**
 * A tsvector literal over the fields of one log entry, positions counted across them with a gap
 * between fields (so no phrase spans two). Cast with `::tsvector`: no parser, no dictionary.
 */
export function searchVector(fields: ReadonlyArray<string | null>): string {
  const positions = new Map<string, number[]>();
  let position = 0;
  let lexemeBytes = 0;
  for (const field of fields) {
    if (field === null || field === '') continue;
    position += 1; // the gap between fields
    for (const token of searchTokens(field)) {
      position += 1;
      let list = positions.get(token);
      if (!list) {
        const bytes = Buffer.byteLength(token);
        if (bytes > MAX_LEXEME_BYTES || lexemeBytes + bytes > MAX_TOTAL_LEXEME_BYTES) continue;
        lexemeBytes += bytes;
        list = [];
        positions.set(token, list);
      }
      const at = ((position - 1) % MAX_POSITION) + 1;
      if (list.length < MAX_POSITIONS_PER_LEXEME && !list.includes(at)) list.push(at);
    }
  }
  return [...positions].map(([lexeme, at]) => `'${lexeme}':${at.join(',')}`).join(' ');
}

/**
 * Search text → a tsquery literal: each whitespace-separated word (quotes dropped, so no syntax
 * leaks through) becomes a phrase of its tokens with a prefix match on the last, all AND-ed.
 * Null when no word has a token: such a search matches nothing.
 */
export function searchQuery(text: string): string | null {
  const phrases: string[] = [];
  for (const word of text.split(/\s+/)) {
    const tokens = searchTokens(word.replaceAll('"', ''));
    if (tokens.length === 0) continue;
    if (tokens.some((token) => Buffer.byteLength(token) > MAX_LEXEME_BYTES)) return null; // never indexed, so never found
    phrases.push(`(${tokens.map((token) => `'${token}'`).join(' <-> ')}:*)`);
  }
  return phrases.length === 0 ? null : phrases.join(' & ');
}

/** The `search=` clause over attempts' own `search` column (GIN-indexed). */
export const postgresSearch: SearchClause = (text) => {
  const query = searchQuery(text);
  return query === null ? { sql: 'FALSE', params: [] } : { sql: 'search @@ ?::tsquery', params: [query] };
};
