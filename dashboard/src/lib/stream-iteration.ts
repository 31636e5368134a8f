/**
 * `for await (const chunk of response.body)` (used by the typed client's `streamLogs`) needs
 * ReadableStream to be async-iterable, which Safari does not support yet: this adds it there.
 */
export function ensureReadableStreamIteration(): void {
  const proto = ReadableStream.prototype as ReadableStream<unknown> & { [Symbol.asyncIterator]?: unknown };
  if (typeof proto[Symbol.asyncIterator] === 'function') return;
  Object.defineProperty(proto, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: async function* iterate(this: ReadableStream<unknown>) {
      const reader = this.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  });
}
