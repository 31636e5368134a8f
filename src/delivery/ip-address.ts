import { isIPv4, isIPv6 } from 'node:net';

/**
 * Parses a dotted-quad IPv4 address (`192.168.0.1`) into its 32-bit value.
 * Only the canonical form is accepted: `0x7f.1`, `127.1` or `0177.0.0.1` give `null`
 * (the WHATWG URL parser turns those into dotted quads before they get here).
 */
export function parseIpv4(text: string): number | null {
  if (!isIPv4(text)) return null;
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

/**
 * Parses an IPv6 address in any standard spelling (`::1`, `fe80::1%eth0`, `[::1]`,
 * `::ffff:127.0.0.1`, full or `::`-compressed) into its 128-bit value, or `null`.
 */
export function parseIpv6(text: string): bigint | null {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!isIPv6(address)) return null;

  const [head = '', tail] = address.split('::');
  const headGroups = hexGroups(head);
  const tailGroups = tail === undefined ? [] : hexGroups(tail);
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...new Array<number>(missing).fill(0), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** `"fe80:0:1"` → `[0xfe80, 0, 1]`; a trailing dotted quad becomes two groups. */
function hexGroups(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((piece) => {
    const ipv4 = parseIpv4(piece);
    if (ipv4 === null) return [Number.parseInt(piece, 16)];
    return [Math.floor(ipv4 / 0x1_0000), ipv4 % 0x1_0000];
  });
}
