import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseIpv4, parseIpv6 } from './ip-address.ts';

/** Resolves a hostname to every address it has, like `dns.lookup(name, { all: true })`. */
export type LookupFn = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** The system resolver (`getaddrinfo` through `node:dns/promises`), all addresses. */
export const defaultLookup: LookupFn = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

interface Range<T> {
  base: T;
  bits: number;
  kind: string;
}

/** IPv4 ranges Herald never delivers to unless private networks are allowed. */
const BLOCKED_IPV4: ReadonlyArray<Range<number>> = [
  ipv4Range('0.0.0.0', 8, 'unspecified ("this network")'),
  ipv4Range('10.0.0.0', 8, 'private'),
  ipv4Range('100.64.0.0', 10, 'shared (carrier-grade NAT)'),
  ipv4Range('127.0.0.0', 8, 'loopback'),
  ipv4Range('169.254.0.0', 16, 'link-local'),
  ipv4Range('172.16.0.0', 12, 'private'),
  ipv4Range('192.168.0.0', 16, 'private'),
  ipv4Range('224.0.0.0', 4, 'multicast'),
  ipv4Range('240.0.0.0', 4, 'reserved or broadcast'),
];

/** IPv6 ranges that are blocked outright (ranges embedding an IPv4 address are judged by it). */
const BLOCKED_IPV6: ReadonlyArray<Range<bigint>> = [
  ipv6Range('::', 128, 'unspecified'),
  ipv6Range('::1', 128, 'loopback'),
  ipv6Range('64:ff9b:1::', 48, 'local-use NAT64'),
  ipv6Range('fc00::', 7, 'unique local (private)'),
  ipv6Range('fe80::', 10, 'link-local'),
  ipv6Range('fec0::', 10, 'site-local (private)'),
  ipv6Range('ff00::', 8, 'multicast'),
];

/** IPv6 ranges whose last 32 bits are an IPv4 address: mapped, compatible, NAT64. */
const IPV4_IN_LOW_BITS: ReadonlyArray<Range<bigint>> = [
  ipv6Range('::ffff:0:0', 96, 'IPv4-mapped'),
  ipv6Range('::', 96, 'IPv4-compatible'),
  ipv6Range('64:ff9b::', 96, 'NAT64'),
];

/** 6to4: bits 16–47 are the IPv4 address of the tunnel end. */
const SIX_TO_FOUR = ipv6Range('2002::', 16, '6to4');

/**
 * Why an address is off limits ("loopback", "private", …), or `null` when it is a public address.
 * IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) and
 * 6to4 (`2002::/16`) IPv6 addresses are judged by the IPv4 address they carry.
 * Anything that is not an IP address is reported as blocked rather than guessed at.
 */
export function blockedAddressKind(ip: string): string | null {
  const ipv4 = parseIpv4(ip);
  if (ipv4 !== null) return ipv4Kind(ipv4);
  const ipv6 = parseIpv6(ip);
  if (ipv6 === null) return 'not an IP address';
  const outright = BLOCKED_IPV6.find((range) => inIpv6Range(ipv6, range));
  if (outright) return outright.kind;
  const embedded = embeddedIpv4(ipv6);
  return embedded === null ? null : ipv4Kind(embedded);
}

/**
 * True when Herald must not connect to `ip`: loopback, private, link-local (cloud metadata
 * included), carrier-grade NAT, multicast, unspecified, reserved and broadcast addresses,
 * in IPv4 or any IPv6 spelling. See {@link blockedAddressKind} for the reason.
 */
export function isBlockedAddress(ip: string): boolean {
  return blockedAddressKind(ip) !== null;
}

/** Rules an endpoint URL is checked against when an endpoint is created or changed. */
export interface EndpointUrlPolicy {
  /** Accept `http://` as well as `https://` (`HERALD_ALLOW_HTTP`). */
  allowHttp: boolean;
  /** Skip the address checks (`HERALD_ALLOW_PRIVATE_NETWORKS`). */
  allowPrivateNetworks: boolean;
  /** Resolver for hostnames; default {@link defaultLookup}. */
  lookup?: LookupFn;
}

/**
 * Checks a webhook URL before it is stored: a valid absolute URL, `https` (or `http` when
 * allowed), no `user:pass@`, a host, and, unless private networks are allowed, an IP literal
 * or resolved hostname that is not a blocked address. A hostname that does not resolve is
 * accepted: it may exist later, and delivery reports `DNS_FAILURE` meanwhile. Never throws.
 */
export async function checkEndpointUrl(
  url: string,
  policy: EndpointUrlPolicy,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const parsed = URL.parse(url);
  if (parsed === null) return refuse('url must be a valid absolute URL');
  const schemes = policy.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) {
    return refuse(policy.allowHttp ? 'url must use https or http' : 'url must use https');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return refuse('url must not contain a username or password');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return refuse('url must have a host');
  if (policy.allowPrivateNetworks) return { ok: true };

  if (isIP(host) !== 0) {
    const kind = blockedAddressKind(host);
    return kind === null ? { ok: true } : refuse(`url points to ${host}, a ${kind} address`);
  }
  if (/(^|\.)localhost\.?$/i.test(host)) return refuse(`url host ${host} is a loopback name`);

  const lookup = policy.lookup ?? defaultLookup;
  const addresses = await lookup(host).catch(() => []);
  for (const { address } of addresses) {
    const kind = blockedAddressKind(address);
    if (kind !== null) return refuse(`url host ${host} resolves to ${address}, a ${kind} address`);
  }
  return { ok: true };
}

function refuse(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function ipv4Kind(address: number): string | null {
  return BLOCKED_IPV4.find((range) => inIpv4Range(address, range))?.kind ?? null;
}

/** The IPv4 address carried by a mapped, compatible, NAT64 or 6to4 IPv6 address. */
function embeddedIpv4(address: bigint): number | null {
  if (IPV4_IN_LOW_BITS.some((range) => inIpv6Range(address, range))) {
    return Number(address & 0xffff_ffffn);
  }
  if (inIpv6Range(address, SIX_TO_FOUR)) return Number((address >> 80n) & 0xffff_ffffn);
  return null;
}

function inIpv4Range(address: number, range: Range<number>): boolean {
  const mask = range.bits === 0 ? 0 : (~0 << (32 - range.bits)) >>> 0;
  return (address & mask) >>> 0 === (range.base & mask) >>> 0;
}

function inIpv6Range(address: bigint, range: Range<bigint>): boolean {
  const shift = BigInt(128 - range.bits);
  return address >> shift === range.base >> shift;
}

function ipv4Range(base: string, bits: number, kind: string): Range<number> {
  const parsed = parseIpv4(base);
  if (parsed === null) throw new Error(`not an IPv4 address: ${base}`);
  return { base: parsed, bits, kind };
}

function ipv6Range(base: string, bits: number, kind: string): Range<bigint> {
  const parsed = parseIpv6(base);
  if (parsed === null) throw new Error(`not an IPv6 address: ${base}`);
  return { base: parsed, bits, kind };
}
