import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { WebToolError } from './web-tool-error.ts';

/** Resolves a host name to all its addresses (node:dns `lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The system resolver, as `fetch` itself would use it. */
export const resolveWithSystemDns: ResolveHost = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export interface AddressPolicyOptions {
  /**
   * Addresses or CIDR ranges let through although they are not public, e.g.
   * `['127.0.0.1']` for a test server or `['10.0.5.0/24']` for an intranet. Empty by default:
   * only public unicast addresses are reached.
   */
  allowedAddresses?: readonly string[];
  /** @default resolveWithSystemDns */
  resolveHost?: ResolveHost;
}

type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [ParsedAddress, number];

function parseRange(entry: string): Range {
  const text = entry.trim();
  if (ipaddr.isValidCIDR(text)) return ipaddr.parseCIDR(text);
  if (ipaddr.isValid(text)) {
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  throw new TypeError(`allowedAddresses: "${entry}" is neither an IP address nor a CIDR range`);
}

// `::ffff:10.0.0.1` reaches 10.0.0.1: judge the IPv4 address it carries.
function normalise(address: ParsedAddress): ParsedAddress {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()
    ? address.toIPv4Address()
    : address;
}

/**
 * Which addresses a model-chosen URL may reach: public unicast ones, plus the allow-list.
 * Everything ipaddr.js does not class as `unicast` is refused: loopback, private (10/8,
 * 172.16/12, 192.168/16), link-local (169.254/16, where cloud metadata lives), unique-local
 * (fc00::/7), unspecified (0.0.0.0, ::), carrier-grade NAT, multicast, reserved, and the
 * IPv6 ranges that embed an IPv4 address (NAT64, 6to4, Teredo).
 */
export class AddressPolicy {
  readonly #allowed: readonly Range[];
  readonly #resolveHost: ResolveHost;

  constructor({
    allowedAddresses = [],
    resolveHost = resolveWithSystemDns,
  }: AddressPolicyOptions = {}) {
    // An entry in IPv4-mapped form (::ffff:a.b.c.d/1xx) is kept as the IPv4 range it covers.
    this.#allowed = allowedAddresses.map((entry) => {
      const [address, bits] = parseRange(entry);
      if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
        return [address.toIPv4Address(), Math.max(0, bits - 96)];
      }
      return [address, bits];
    });
    this.#resolveHost = resolveHost;
  }

  /** Why `address` may not be reached, or undefined when it may. */
  refusalReason(address: string): string | undefined {
    if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
    const parsed = normalise(ipaddr.parse(address));
    const allowed = this.#allowed.some(
      ([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits),
    );
    if (allowed) return undefined;
    const range = parsed.range();
    return range === 'unicast' ? undefined : `${address} is a ${describeRange(range)} address`;
  }

  /** Throws ADDRESS_REFUSED unless `address` may be reached. */
  checkAddress(address: string, host = address): void {
    const reason = this.refusalReason(address);
    if (reason !== undefined) throw refused(host, reason);
  }

  /**
   * Resolves `hostname` and keeps the addresses that may be reached, in resolver order.
   * Throws ADDRESS_REFUSED when none is left. An IP literal is checked as it is.
   */
  async resolveAllowed(hostname: string): Promise<LookupAddress[]> {
    const bare = hostname.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(bare);
    if (family !== 0) {
      this.checkAddress(bare, hostname);
      return [{ address: bare, family }];
    }
    let resolved: readonly LookupAddress[];
    try {
      resolved = await this.#resolveHost(bare);
    } catch (error) {
      throw new WebToolError({
        code: 'NETWORK_FAILED',
        message: `Could not resolve ${hostname}: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
    const reasons: string[] = [];
    const allowed = resolved.filter(({ address }) => {
      const reason = this.refusalReason(address);
      if (reason !== undefined) reasons.push(reason);
      return reason === undefined;
    });
    if (allowed.length === 0) {
      throw refused(
        hostname,
        reasons.length > 0 ? `it resolves to ${reasons.join(', ')}` : 'it resolves to no address',
      );
    }
    return allowed;
  }

  /**
   * A `lookup` for `net.connect` (undici's `connect.lookup`): resolves, refuses what the
   * policy refuses, and hands the connection only the addresses it checked, so the socket
   * goes to a checked address even if a second DNS answer would differ (DNS rebinding).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolveAllowed(hostname).then(
      (addresses) => {
        const wanted = familyNumber(options.family);
        const matching =
          wanted === 0 ? addresses : addresses.filter(({ family }) => family === wanted);
        const first = matching[0];
        if (first === undefined) {
          callback(refused(hostname, `it has no allowed IPv${wanted} address`), '');
        } else if (options.all === true) {
          callback(null, matching);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}

function familyNumber(family: LookupOptions['family']): number {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    loopback: 'loopback',
    private: 'private',
    linkLocal: 'link-local (cloud metadata)',
    uniqueLocal: 'unique-local (private)',
    unspecified: 'unspecified',
    carrierGradeNat: 'carrier-grade NAT (private)',
  };
  return names[range] ?? `non-public (${range})`;
}

function refused(host: string, reason: string): WebToolError {
  return new WebToolError({
    code: 'ADDRESS_REFUSED',
    message: `Refused to open ${host}: ${reason}. Only public addresses can be opened.`,
  });
}
