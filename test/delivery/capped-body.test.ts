import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CappedBody } from '../../src/delivery/capped-body.ts';

/** Bytes biased towards what breaks UTF-8: leads, continuations, invalid bytes, ASCII. */
const trickyByte = fc.oneof(
  fc.integer({ min: 0x00, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf8, 0xff),
  fc.integer({ min: 0x00, max: 0xff }),
);
const bodyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.array(trickyByte, { maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((text) => Buffer.from(text)),
);

/** `body` cut into chunks at `cuts` (positions, any order, repeats allowed: empty chunks). */
function split(body: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.map((cut) => cut % (body.length + 1)).sort((a, b) => a - b), body.length];
  return points.slice(1).map((end, index) => body.subarray(points[index], end));
}

function collect(chunks: Buffer[], maxBytes: number): CappedBody {
  const body = new CappedBody(maxBytes);
  for (const chunk of chunks) if (!body.add(chunk)) break;
  return body;
}

describe('CappedBody', () => {
  test('decodes as Buffer#toString of the whole prefix, however the body is split', () => {
    fc.assert(
      fc.property(bodyBytes, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 0, max: 80 }), (body, cuts, maxBytes) => {
        const collected = collect(split(body, cuts), maxBytes);
        const kept = body.subarray(0, maxBytes);
        assert.equal(collected.text(), kept.toString('utf8'));
        assert.equal(collected.bytes, kept.length);
        assert.equal(collected.truncated, body.length > maxBytes);
      }),
      { numRuns: 5000 },
    );
  });

  test('a snapshot taken mid-body does not change what follows', () => {
    const euro = Buffer.from('€'); // 3 bytes
    const body = new CappedBody(100);
    body.add(euro.subarray(0, 1));
    assert.equal(body.text(), '\ufffd');
    body.add(euro.subarray(1));
    assert.equal(body.text(), '€');
  });

  test('stops at maxBytes and says so; later chunks are refused', () => {
    const body = new CappedBody(5);
    assert.equal(body.add(Buffer.from('abc')), true);
    assert.equal(body.add(Buffer.from('defg')), false);
    assert.equal(body.add(Buffer.from('h')), false);
    assert.equal(body.text(), 'abcde');
    assert.equal(body.truncated, true);
  });

  test('a body of exactly maxBytes is not truncated', () => {
    const body = new CappedBody(3);
    assert.equal(body.add(Buffer.from('abc')), true);
    assert.equal(body.truncated, false);
  });

  test('holds no chunk: what it keeps of a large chunk is text, not a view of the chunk', () => {
    const chunk = Buffer.alloc(65_536, 'x');
    chunk[65_535] = 0xe2; // the start of a 3-byte sequence, cut off
    const body = new CappedBody(1 << 20);
    body.add(chunk);
    chunk.fill(0); // were a view kept, this would show in the text
    assert.equal(body.text(), `${'x'.repeat(65_535)}\ufffd`);
  });
});
