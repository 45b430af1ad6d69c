import type { LookupFunction, NetConnectOpts } from 'node:net';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

function isLocal(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress())
    parsed = parsed.toIPv4Address();
  return parsed.range() === 'loopback' || parsed.range() === 'unspecified';
}

function blocked(address: string): Error {
  return new Error(`test safety net: a connection to ${address} was attempted and blocked`);
}

/**
 * A safety net for tests of the address guard: while installed, `net.connect` (which
 * undici uses) refuses any address off this machine, so a broken guard fails the test
 * instead of sending traffic to a private or metadata address. Returns the uninstaller.
 */
export function allowLocalConnectionsOnly(): () => void {
  const original = net.connect;
  const guarded = (options: NetConnectOpts, ...rest: unknown[]) => {
    if ('host' in options && typeof options.host === 'string') {
      const host = options.host.replace(/^\[(.*)\]$/, '$1');
      if (net.isIP(host) !== 0) {
        if (!isLocal(host)) throw blocked(host);
      } else if (options.lookup !== undefined) {
        const lookup = options.lookup;
        const checked: LookupFunction = (hostname, lookupOptions, callback) =>
          lookup(hostname, lookupOptions, (error, address, family) => {
            const addresses =
              typeof address === 'string' ? [address] : address.map((entry) => entry.address);
            const outside = addresses.find((entry) => !isLocal(entry));
            if (error === null && outside !== undefined) callback(blocked(outside), '', 0);
            else callback(error, address, family);
          });
        options = { ...options, lookup: checked };
      } else if (host !== 'localhost') {
        throw blocked(host);
      }
    }
    return (original as (...args: unknown[]) => net.Socket)(options, ...rest);
  };
  net.connect = guarded as typeof net.connect;
  return () => {
    net.connect = original;
  };
}
