import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { drainConnectionsOnClose } from '../../src/http/connection-drain.ts';
import { startTestHerald } from '../support/herald.ts';

// A stop while clients hold connections open: a connection that never sent a request (a browser's
// spare, a load balancer's pre-opened one) and a keep-alive connection between requests must not hold
// the stop; a request still in flight is answered first; one that never finishes is cut after the grace.

async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.on('error', () => {}); // a cut connection may end in a reset
  socket.resume(); // read to the end, so 'close' comes when the server closes it
  return socket;
}

const closed = (socket: Socket) => (socket.destroyed ? Promise.resolve() : once(socket, 'close').then(() => undefined));

describe('graceful stop', () => {
  test('connections without a request in flight do not hold the stop', async () => {
    const t = await startTestHerald();
    const agent = new Agent({ connections: 2 });
    const keptAlive = await request(`${t.url}/healthz`, { dispatcher: agent });
    await keptAlive.body.dump();
    const silent = await openSocket(t.url); // connected, never sends a byte
    const started = performance.now();
    await t.close();
    const took = performance.now() - started;
    await closed(silent);
    await agent.close();
    assert.ok(took < 2_000, `the stop took ${Math.round(took)} ms`);
  });

  test('a request in flight is answered before its connection closes, one half sent is answered when it completes, a stuck one is cut after the grace', async () => {
    const app = Fastify();
    drainConnectionsOnClose(app, 300);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowRoute = async () => {
      await held;
      return { done: true };
    };
    app.get('/slow', slowRoute);
    app.post('/slow', slowRoute);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const slow = request(`${url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stuck = await openSocket(url);
    stuck.write('POST /slow HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n[1,2'); // half a body, forever
    const halfSent = await openSocket(url);
    let halfAnswer = '';
    halfSent.on('data', (chunk: Buffer) => (halfAnswer += chunk.toString()));
    halfSent.write('GET /slow HTTP/1.1\r\nhost: x\r\n'); // the headers' end comes after the stop began
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    const closing = app.close();
    setTimeout(() => halfSent.write('\r\n'), 20);
    setTimeout(release, 100);
    const answer = await slow;
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(await answer.body.json(), { done: true });
    await closing;
    const took = performance.now() - started;
    await closed(stuck);
    await closed(halfSent);
    assert.match(halfAnswer, /^HTTP\/1\.1 \d{3} /, 'the half-sent request got an answer, not a reset');
    assert.ok(took >= 250 && took < 2_000, `the stop took ${Math.round(took)} ms; the grace is 300 ms`);
  });
});
