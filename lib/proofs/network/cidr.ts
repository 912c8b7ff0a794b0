/** An IPv4 CIDR block as the inclusive range of addresses it covers. */
export interface Cidr {
  readonly text: string;
  readonly first: number;
  readonly last: number;
}

/** Parse `a.b.c.d/n`; anything else (IPv6, an unresolved intrinsic) gives undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(address / size) * size;
  return { text: text.trim(), first, last: first + size - 1 };
}

export const ANYWHERE: Cidr = parseCidr('0.0.0.0/0')!;

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function isAnywhere(cidr: Cidr): boolean {
  return cidr.first === 0 && cidr.last === 2 ** 32 - 1;
}

/**
 * The RFC 1918 private ranges. An Elastic IP is a public address, so a VPC CIDR inside these can never contain
 * one (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html lists them as the ranges to use).
 */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

export function isPrivateRange(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some((range) => contains(range, cidr));
}
