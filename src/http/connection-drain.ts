import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a stop waits for requests still in flight before it cuts their connections. */
export const STOP_GRACE_MS = 10_000;

/**
 * Lets a stop finish while clients hold connections open. Node's `closeIdleConnections` (Fastify's
 * default on close) leaves alone a connection that has not yet sent a request: a browser's spare
 * connection or a load balancer's pre-opened one would hold `app.close()` until its headers timeout,
 * and an orchestrator's SIGKILL usually comes first. So on close: connections with no request in
 * flight are closed at once, each one that still carries a request closes as soon as its last response
 * is sent, and after `graceMs` whatever is left is cut.
 */
export function drainConnectionsOnClose(app: FastifyInstance, graceMs = STOP_GRACE_MS): void {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  app.server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
    cut.unref();
    app.server.once('close', () => clearTimeout(cut));
  });
}
