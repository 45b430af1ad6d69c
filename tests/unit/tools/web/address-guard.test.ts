import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../../../tools/index.ts';
import { webToolErrorOf } from '../../../support/web-tool-error.ts';

const fakeDns =
  (table: Record<string, LookupAddress[]>) =>
  (hostname: string): Promise<LookupAddress[]> => {
    const found = table[hostname];
    return found === undefined
      ? Promise.reject(new Error(`getaddrinfo ENOTFOUND ${hostname}`))
      : Promise.resolve(found);
  };

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fd00::1', 'unique-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'non-public (multicast)'],
    ['64:ff9b::a00:1', 'non-public (rfc6052)'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(policy.refusalReason(address)).toContain(kind);
    expect(() => policy.checkAddress(address)).toThrow(/Refused to open/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:2800:220:1:248:1893:25c8:1946'])(
    'lets the public address %s through',
    (address) => {
      expect(policy.refusalReason(address)).toBeUndefined();
    },
  );

  it('lets allow-listed addresses and ranges through, and only those', () => {
    const allowing = new AddressPolicy({ allowedAddresses: ['127.0.0.1', '10.0.5.0/24', '::1'] });
    expect(allowing.refusalReason('127.0.0.1')).toBeUndefined();
    expect(allowing.refusalReason('::ffff:127.0.0.1')).toBeUndefined();
    expect(allowing.refusalReason('::1')).toBeUndefined();
    expect(allowing.refusalReason('10.0.5.77')).toBeUndefined();
    expect(allowing.refusalReason('127.0.0.2')).toContain('loopback');
    expect(allowing.refusalReason('10.0.6.1')).toContain('private');
    expect(allowing.refusalReason('169.254.169.254')).toContain('link-local');
  });

  it('rejects an allow-list entry that is not an address', () => {
    expect(() => new AddressPolicy({ allowedAddresses: ['localhost'] })).toThrow(
      /allowedAddresses/,
    );
  });

  it('checks IP literals, with or without IPv6 brackets, without resolving', async () => {
    const resolving = new AddressPolicy({ resolveHost: () => Promise.reject(new Error('no DNS')) });
    expect(await resolving.resolveAllowed('93.184.216.34')).toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
    const error = await webToolErrorOf(resolving.resolveAllowed('[::1]'));
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(error.message).toBe(
      'Refused to open [::1]: ::1 is a loopback address. Only public addresses can be opened.',
    );
  });

  it('refuses host names that resolve only to refused addresses', async () => {
    const dns = new AddressPolicy({
      resolveHost: fakeDns({
        'metadata.google.internal': [{ address: '169.254.169.254', family: 4 }],
        'intranet.example': [
          { address: '10.0.0.8', family: 4 },
          { address: 'fd00::8', family: 6 },
        ],
      }),
    });
    const metadata = await webToolErrorOf(dns.resolveAllowed('metadata.google.internal'));
    expect(metadata.message).toContain('it resolves to 169.254.169.254 is a link-local');
    const intranet = await webToolErrorOf(dns.resolveAllowed('intranet.example'));
    expect(intranet.message).toContain('10.0.0.8 is a private address');
    expect(intranet.message).toContain('fd00::8 is a unique-local');
  });

  it('keeps only the allowed addresses of a host with mixed answers', async () => {
    const dns = new AddressPolicy({
      resolveHost: fakeDns({
        'mixed.example': [
          { address: '10.0.0.8', family: 4 },
          { address: '93.184.216.34', family: 4 },
        ],
      }),
    });
    expect(await dns.resolveAllowed('mixed.example')).toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it('reports a name that does not resolve as a network failure', async () => {
    const dns = new AddressPolicy({ resolveHost: fakeDns({}) });
    const error = await webToolErrorOf(dns.resolveAllowed('nowhere.example'));
    expect(error.code).toBe('NETWORK_FAILED');
    expect(error.message).toContain('ENOTFOUND nowhere.example');
  });

  it('refuses "localhost" through the real resolver', async () => {
    const error = await webToolErrorOf(policy.resolveAllowed('localhost'));
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(error.message).toMatch(/loopback/);
  });

  it('gives net.connect only checked addresses from its lookup', async () => {
    const dns = new AddressPolicy({
      resolveHost: fakeDns({
        'mixed.example': [
          { address: '192.168.0.9', family: 4 },
          { address: '93.184.216.34', family: 4 },
        ],
        'private.example': [{ address: '192.168.0.9', family: 4 }],
      }),
    });
    const lookup = (hostname: string, all: boolean) =>
      new Promise<unknown>((resolve, reject) =>
        dns.lookup(hostname, { all }, (error, address, family) =>
          error ? reject(error) : resolve(all ? address : [address, family]),
        ),
      );
    expect(await lookup('mixed.example', true)).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(await lookup('mixed.example', false)).toEqual(['93.184.216.34', 4]);
    const error = await webToolErrorOf(lookup('private.example', true));
    expect(error.code).toBe('ADDRESS_REFUSED');
  });
});
