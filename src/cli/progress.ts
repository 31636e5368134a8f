import type { Writable } from 'node:stream';

/** How often progress is redrawn on a terminal, and written as a new line elsewhere. */
const TTY_EVERY_MS = 100;
const LOG_EVERY_MS = 2000;

/**
 * Progress of long work on stderr: on a terminal one line redrawn in place (at most every
 * 100 ms); otherwise (a pipe, a CI log) a plain line every 2 s. `describe` gets the elapsed time.
 */
export class Progress {
  readonly #stream: Writable & { isTTY?: boolean };
  readonly #describe: (elapsed: string) => string;
  readonly #started = Date.now();
  #lastDrawn = Date.now();
  #drawn = false;

  constructor(stream: Writable & { isTTY?: boolean }, describe: (elapsed: string) => string) {
    this.#stream = stream;
    this.#describe = describe;
  }

  /** Redraws when it is time to. Cheap enough to call per chunk. */
  tick(): void {
    const now = Date.now();
    if (now - this.#lastDrawn < (this.#stream.isTTY ? TTY_EVERY_MS : LOG_EVERY_MS)) return;
    this.#lastDrawn = now;
    this.draw();
  }

  /** Draws now. */
  draw(): void {
    const text = this.#describe(this.elapsed());
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[2K${text}`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${text}\n`);
    }
  }

  /** Clears a redrawn line, so the next output starts clean. */
  stop(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  /** Time since start, for people: `0.4 s`, `12 s`, `3 min 5 s`. */
  elapsed(): string {
    const ms = Date.now() - this.#started;
    if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
    const seconds = Math.round(ms / 1000);
    return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
}
