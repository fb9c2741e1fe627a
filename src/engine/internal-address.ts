import { isIP } from 'node:net';

/**
 * Which IP addresses a tenant's flows and webhooks may not reach unless the tenant allows it (SSRF
 * protection): loopback, private, link-local, shared, reserved, documentation and multicast ranges —
 * and every IPv6 form that carries one of those IPv4 addresses (mapped `::ffff:a.b.c.d`, compatible
 * `::a.b.c.d`, translated, NAT64, 6to4), since the kernel connects those over IPv4. IPv6 addresses are
 * parsed into their 16 bytes, so no spelling (`::ffff:7f00:1`, `0:0:0:0:0:ffff:127.0.0.1`) slips past.
 */
export function isInternalAddress(address: string): boolean {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(text) === 4) return isInternalV4(text.split('.').map(Number));
  const bytes = ipv6Bytes(text);
  // Not an address at all: refuse rather than guess.
  if (bytes === null) return true;
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const word = (i: number) => (bytes[i * 2] as number) * 256 + (bytes[i * 2 + 1] as number);
  const v4At = (i: number) => bytes.slice(i, i + 4);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated): the IPv4 address decides.
  if (zero(0, 10) && word(5) === 0xffff) return isInternalV4(v4At(12));
  if (zero(0, 8) && word(4) === 0xffff && word(5) === 0) return isInternalV4(v4At(12));
  // ::/96: the unspecified address, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d.
  if (zero(0, 12)) return true;
  // 2002::/16, 6to4: the IPv4 address follows the prefix.
  if (word(0) === 0x2002) return isInternalV4(v4At(2));
  return (
    (word(0) === 0x64 && word(1) === 0xff9b) || // 64:ff9b::/96 and 64:ff9b:1::/48, NAT64
    (word(0) === 0x100 && zero(2, 8)) || // 100::/64, discard
    (word(0) === 0x2001 && word(1) < 0x200) || // 2001::/23, IETF protocol assignments (Teredo, ORCHID…)
    (word(0) === 0x2001 && word(1) === 0xdb8) || // 2001:db8::/32, documentation
    (bytes[0] as number) >= 0xfc // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast
  );
}

function isInternalV4(parts: number[]): boolean {
  const [a = 0, b = 0, c = 0] = parts;
  return (
    a === 0 || // this network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // shared address space (carrier-grade NAT)
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF assignments, documentation
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    a >= 224 // multicast, reserved, broadcast
  );
}

/** The 16 bytes of an IPv6 address in any of its spellings, or null when it is not one. */
export function ipv6Bytes(text: string): number[] | null {
  if (isIP(text) !== 6) return null;
  const halves = text.toLowerCase().split('::');
  // isIP has checked the syntax: each side of "::" is hex words, the last of them maybe dotted IPv4.
  const groups = (part: string | undefined): number[] => {
    if (!part) return [];
    const words: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && piece.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        words.push(a * 256 + b, c * 256 + d);
      } else {
        words.push(Number.parseInt(piece, 16));
      }
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const words = halves.length === 2 ? [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail] : head;
  if (words.length !== 8) return null;
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}
