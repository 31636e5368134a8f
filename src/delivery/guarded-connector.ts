import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { buildConnector } from 'undici';
import { blockedAddressKind, type LookupFn } from './address-guard.ts';

/** How long opening one TCP connection, or one TLS handshake, may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/** What opening a new connection cost, in milliseconds. */
export interface ConnectionTimings {
  /** Time spent in `lookup`; `null` when the host was an IP literal. */
  dnsMs: number | null;
  /** TCP handshake, including fallbacks to the host's other addresses. */
  connectMs: number;
  /** TLS handshake; `null` for plain `http`. */
  tlsMs: number | null;
}

/** The connector refused an address that is private, loopback, link-local or similar. */
export class BlockedAddressError extends Error {
  readonly code = 'HERALD_BLOCKED_ADDRESS';
}

/** What {@link createGuardedConnector} needs. */
export interface GuardedConnectorOptions {
  /** Connect to blocked addresses anyway (`HERALD_ALLOW_PRIVATE_NETWORKS`). */
  allowPrivateNetworks: boolean;
  /** Resolves hostnames; every address it returns is checked. */
  lookup: LookupFn;
  /** Told about every connection opened, before undici writes to it. */
  onConnected: (socket: Socket, timings: ConnectionTimings) => void;
}

/**
 * An undici `connect` function that resolves the host itself and refuses to open a socket when
 * any resolved address is blocked. Checking here, at connect time, rather than only when the
 * endpoint was saved, defeats DNS rebinding: the address checked is the address connected to.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  return (target, callback) => {
    openConnection(target, options).then(
      ({ socket, timings }) => {
        options.onConnected(socket, timings);
        callback(null, socket);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), null);
      },
    );
  };
}

async function openConnection(target: buildConnector.Options, options: GuardedConnectorOptions) {
  const hostname = target.hostname;
  const dnsStart = performance.now();
  const addresses = isIP(hostname) !== 0 ? [hostname] : await resolve(hostname, options.lookup);
  const dnsMs = isIP(hostname) !== 0 ? null : performance.now() - dnsStart;
  if (!options.allowPrivateNetworks) refuseBlocked(hostname, addresses);

  const isHttps = target.protocol === 'https:';
  const port = Number(target.port) || (isHttps ? 443 : 80);
  const connectStart = performance.now();
  const tcp = await connectToFirstReachable(addresses, port);
  const connectMs = performance.now() - connectStart;
  if (!isHttps) return { socket: tcp, timings: { dnsMs, connectMs, tlsMs: null } };

  const tlsStart = performance.now();
  const servername = target.servername || (isIP(hostname) === 0 ? hostname : undefined);
  const tls = connectTls({ socket: tcp, host: hostname, servername, ALPNProtocols: ['http/1.1'] });
  await whenReady(tls, 'secureConnect', `TLS handshake with ${hostname}`);
  return { socket: tls, timings: { dnsMs, connectMs, tlsMs: performance.now() - tlsStart } };
}

async function resolve(hostname: string, lookup: LookupFn): Promise<string[]> {
  const addresses = (await lookup(hostname)).map(({ address }) => address);
  if (addresses.length === 0) {
    throw Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' });
  }
  return addresses;
}

function refuseBlocked(hostname: string, addresses: string[]): void {
  for (const address of addresses) {
    const kind = blockedAddressKind(address);
    if (kind === null) continue;
    const resolved = address === hostname ? '' : ` (resolved from ${hostname})`;
    throw new BlockedAddressError(
      `refused to connect to ${address}${resolved}: it is a ${kind} address and private networks are not allowed`,
    );
  }
}

/** Tries each address in turn, as a browser would; throws the first address's error. */
async function connectToFirstReachable(addresses: string[], port: number): Promise<Socket> {
  let firstError: unknown;
  for (const address of addresses) {
    const socket = connectTcp({
      host: address,
      port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
    });
    try {
      await whenReady(socket, 'connect', `connecting to ${address}:${port}`);
      return socket;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

/** Resolves once `socket` emits `event`; destroys it on error or after the connect timeout. */
function whenReady(socket: Socket, event: 'connect' | 'secureConnect', step: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const timeout = new Error(`${step} took over ${CONNECT_TIMEOUT_MS} ms`);
      socket.destroy(Object.assign(timeout, { code: 'ETIMEDOUT' }));
    }, CONNECT_TIMEOUT_MS);
    const onError = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve();
    });
  });
}
