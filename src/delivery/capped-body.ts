/**
 * The first `maxBytes` bytes of a response body, decoded as UTF-8 as they arrive. No chunk is held:
 * each one is turned into text at once, so the 64 KiB buffers the socket reads into become garbage in
 * the turn they arrive, and no copy of the whole body is made to decode it at the end. On a 5 MiB
 * answer an attempt now allocates 128 KiB of buffers (the two socket reads the first 64 KiB of body
 * take) instead of 192 KiB, and none of them stays referenced until the exchange ends.
 *
 * The text equals `Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8')` however the body was
 * split: a UTF-8 sequence cut by a chunk boundary waits (at most 3 bytes) for the next chunk, and is
 * decoded alone, as the end of the body would be, if no chunk completes it.
 */
export class CappedBody {
  readonly #maxBytes: number;
  #text = '';
  /** The start of a UTF-8 sequence that the last chunk cut off; a copy, never a view of a chunk. */
  #pending: Buffer | null = null;
  #bytes = 0;
  #truncated = false;

  /** Keeps at most `maxBytes` bytes. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes kept so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True once more than `maxBytes` bytes were offered. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Adds the next chunk; returns false when it went past `maxBytes` (the rest of it is dropped). */
  add(chunk: Buffer): boolean {
    if (this.#truncated) return false;
    const room = this.#maxBytes - this.#bytes;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#bytes += kept.length;
    this.#decode(kept);
    if (kept.length < chunk.length) this.#truncated = true;
    return !this.#truncated;
  }

  /** The text so far; a sequence still cut off is decoded as the end of the body would decode it. */
  text(): string {
    return this.#pending === null ? this.#text : this.#text + this.#pending.toString('utf8');
  }

  #decode(bytes: Buffer): void {
    let start = 0;
    if (this.#pending !== null) {
      // Finish the cut-off sequence with the continuation bytes it still lacks; a byte that is not one
      // ends it (as an error), and decoding starts afresh at that byte either way.
      const pending = this.#pending;
      const lacking = sequenceLength(pending[0]!) - pending.length;
      while (start < lacking && start < bytes.length && isContinuation(bytes[start]!)) start += 1;
      if (start === lacking || start < bytes.length) {
        this.#text += Buffer.concat([pending, bytes.subarray(0, start)]).toString('utf8');
        this.#pending = null;
      } else {
        this.#pending = Buffer.concat([pending, bytes]);
        return;
      }
    }
    const end = bytes.length - cutOffLength(bytes, start);
    if (end > start) this.#text += bytes.toString('utf8', start, end);
    if (end < bytes.length) this.#pending = Buffer.from(bytes.subarray(end));
  }
}

/** Length of the trailing bytes of `bytes` (from `from`) that start a UTF-8 sequence they do not finish. */
function cutOffLength(bytes: Buffer, from: number): number {
  // Every split before a byte that is not a continuation byte decodes as the whole would: look back
  // at most 3 bytes for the lead byte of the last sequence.
  for (let index = bytes.length - 1; index >= Math.max(from, bytes.length - 3); index -= 1) {
    const byte = bytes[index]!;
    if (isContinuation(byte)) continue;
    return sequenceLength(byte) > bytes.length - index ? bytes.length - index : 0;
  }
  return 0;
}

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/** How many bytes a sequence starting with `lead` has; 1 for ASCII and for bytes that start none. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}
