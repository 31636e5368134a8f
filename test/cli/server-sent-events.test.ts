import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readServerSentEvents, type ServerSentEvent } from '../../src/client/index.ts';

// The live tail's SSE reader (src/client), fed the same bytes cut at every possible place.

const STREAM = 'retry: 2000\r\n: a comment\r\n\r\nid: 7\r\nevent: log\r\ndata: {"a":1}\r\n\r\n: heartbeat\n\nid: 8\nevent: log\ndata: line one\ndata: line two\n\ndata:no space\rid: 9\r\rdata: unfinished';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function read(chunks: Uint8Array[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

test('events, ids, multi-line data and every line ending, however the bytes are split', async () => {
  const bytes = new TextEncoder().encode(STREAM);
  const expected: ServerSentEvent[] = [
    { id: '7', event: 'log', data: '{"a":1}', retry: null },
    { id: '8', event: 'log', data: 'line one\nline two', retry: null },
    { id: '9', event: 'message', data: 'no space', retry: null },
  ];
  assert.deepEqual(await read([bytes]), expected);
  for (let cut = 1; cut < bytes.length; cut += 1) {
    assert.deepEqual(await read([bytes.subarray(0, cut), bytes.subarray(cut)]), expected, `cut at byte ${cut}`);
  }
});

test('stopping early cancels the body', async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('data: one\n\ndata: two\n\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const event of readServerSentEvents(body)) {
    assert.equal(event.data, 'one');
    break;
  }
  assert.equal(cancelled, true);
});
