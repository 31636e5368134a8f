const NEWLINE = 0x0a;
const QUOTE = 0x22;

/**
 * Counts the records of an NDJSON or CSV byte stream as it passes: lines, except line breaks
 * inside a quoted CSV field and the CSV header row. Works on raw UTF-8 chunks (a multi-byte
 * character never contains these two bytes).
 */
export class RecordCounter {
  #lines = 0;
  #inQuotes = false;
  readonly #csv: boolean;

  constructor(format: 'ndjson' | 'csv') {
    this.#csv = format === 'csv';
  }

  /** Feeds the next chunk. */
  add(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.#csv && byte === QUOTE) this.#inQuotes = !this.#inQuotes;
      else if (byte === NEWLINE && !this.#inQuotes) this.#lines += 1;
    }
  }

  /** Records seen so far (complete lines; the CSV header excluded). */
  get records(): number {
    return this.#csv ? Math.max(0, this.#lines - 1) : this.#lines;
  }
}
