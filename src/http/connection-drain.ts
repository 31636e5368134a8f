import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a stop waits for requests still in flight before it cuts their connections. */
export const STOP_GRACE_MS = 10_000;

/** A connection's requests in flight, and how many bytes it had read when the last of them ended. */
interface ConnectionState {
  inFlight: number;
  bytesWhenIdle: number;
}

/**
 * Lets a stop finish while clients hold connections open. Node's `closeIdleConnections` (Fastify's
 * default on close) leaves alone a connection that has not yet sent a request: a browser's spare
 * connection or a load balancer's pre-opened one would hold `app.close()` until its headers timeout,
 * and an orchestrator's SIGKILL usually comes first. So on close: a connection with no request in
 * flight and no byte of a next one is closed at once; one that carries a request (or the start of
 * one) closes as soon as its last response is sent; after `graceMs` whatever is left is cut.
 */
export function drainConnectionsOnClose(app: FastifyInstance, graceMs = STOP_GRACE_MS): void {
  const connections = new Map<Socket, ConnectionState>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    connections.set(socket, { inFlight: 0, bytesWhenIdle: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  app.server.on('request', (request, response) => {
    const state = connections.get(request.socket);
    if (!state) return;
    state.inFlight += 1;
    response.once('close', () => {
      state.inFlight -= 1;
      if (state.inFlight > 0) return;
      state.bytesWhenIdle = request.socket.bytesRead;
      if (closing) request.socket.end();
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const [socket, state] of connections) {
      if (state.inFlight === 0 && socket.bytesRead === state.bytesWhenIdle) socket.destroy();
    }
    const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
    cut.unref();
    app.server.once('close', () => clearTimeout(cut));
  });
}
