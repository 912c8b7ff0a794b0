import { contains, isAnywhere, isPrivateRange, overlaps, parseCidr } from '../../lib/proofs/network/cidr';

describe('IPv4 CIDR arithmetic of the network path proofs', () => {
  test('a block covers exactly its 2^(32-n) addresses, from the network address', () => {
    // 10.30.16.0/20: 10*16777216 + 30*65536 + 16*256 = 167772160 + 1966080 + 4096 = 169742336, 4096 addresses.
    expect(parseCidr('10.30.16.0/20')).toEqual({ text: '10.30.16.0/20', first: 169742336, last: 169746431 });
    // Host bits are dropped: 10.30.17.5/20 is read as the block 10.30.16.0/20.
    expect(parseCidr('10.30.17.5/20')!.first).toBe(169742336);
    expect(parseCidr('0.0.0.0/0')).toEqual({ text: '0.0.0.0/0', first: 0, last: 4294967295 });
  });

  test('anything that is not an IPv4 CIDR is not guessed at', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '::/0', '{"Fn::GetAtt":["Vpc","CidrBlock"]}']) {
      expect({ text, cidr: parseCidr(text) }).toEqual({ text, cidr: undefined });
    }
  });

  test('containment and overlap', () => {
    const vpc = parseCidr('10.30.0.0/16')!;
    const subnet = parseCidr('10.30.64.0/24')!;
    const other = parseCidr('10.40.0.0/16')!;
    expect([contains(vpc, subnet), contains(subnet, vpc), overlaps(subnet, vpc), overlaps(vpc, other)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([isAnywhere(parseCidr('0.0.0.0/0')!), isAnywhere(vpc)]).toEqual([true, false]);
  });

  test('RFC 1918 blocks are private; a public block is not', () => {
    expect(
      ['10.30.0.0/16', '172.16.5.0/24', '192.168.0.0/16', '172.32.0.0/16', '52.94.0.0/22'].map((c) =>
        isPrivateRange(parseCidr(c)!),
      ),
    ).toEqual([true, true, true, false, false]);
  });
});
