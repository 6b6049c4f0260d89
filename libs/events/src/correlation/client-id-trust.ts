import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/** The object form of `CorrelationOptions.trustClientIds`: accept ids only from these direct peers. */
export interface TrustedProxies {
  /**
   * IP addresses and CIDR ranges (`'10.0.0.0/8'`, `'127.0.0.1'`, `'::1'`, `'fd00::/8'`) of the peers whose
   * requests may carry a correlation id, checked against the address of the TCP connection (the proxy itself,
   * never an `x-forwarded-for` header). 1 to 100 entries.
   */
  proxies: string[];
}

/**
 * Whether the caller of one HTTP request may choose its correlation id, decided before any guard runs. Return
 * `true` to accept the id its headers carry. It must not throw; one that does counts as `false`.
 */
export type ClientIdTrustCheck = (request: IncomingMessage) => boolean;

/** What `CorrelationOptions.trustClientIds` accepts. */
export type TrustClientIdsOption = boolean | TrustedProxies | ClientIdTrustCheck;

/** Internal: `trustClientIds` resolved: everyone, no one, or a check per request (a proxy list becomes one). */
export type ResolvedClientIdTrust = boolean | ClientIdTrustCheck;

const EXPECTED = 'true, false, { proxies: string[] } or a function (request) => boolean';
const MAX_PROXIES = 100;

/** Applies the default (`true`: today's behaviour) and validates; throws `EventsConfigError` naming the field. */
export function resolveTrustClientIds(value: unknown): ResolvedClientIdTrust {
  if (value === undefined || value === true) return true;
  if (value === false) return false;
  if (typeof value === 'function') return value as ClientIdTrustCheck;
  if (!isRecord(value)) throw new EventsConfigError('correlation.trustClientIds', EXPECTED, value);
  rejectUnknownKeys('correlation.trustClientIds', value, ['proxies']);
  return peerIn(proxyList(value.proxies));
}

function proxyList(proxies: unknown): BlockList {
  const option = 'correlation.trustClientIds.proxies';
  const expected = `an array of 1 to ${MAX_PROXIES} IP addresses or CIDR ranges ("10.0.0.0/8", "::1")`;
  if (!Array.isArray(proxies) || proxies.length === 0 || proxies.length > MAX_PROXIES) {
    throw new EventsConfigError(option, expected, proxies);
  }
  const list = new BlockList();
  for (const entry of proxies) {
    if (!addEntry(list, entry)) throw new EventsConfigError(option, expected, entry);
  }
  return list;
}

/** Adds one address or range; false when it is neither. */
function addEntry(list: BlockList, entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const [address, prefix, extra] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) {
    list.addAddress(address, family);
    return true;
  }
  const bits = Number(prefix);
  if (!/^\d{1,3}$/.test(prefix) || bits > (version === 4 ? 32 : 128)) return false;
  list.addSubnet(address, bits, family);
  return true;
}

/** A check that trusts a request when its connection comes from an address in `list`. */
function peerIn(list: BlockList): ClientIdTrustCheck {
  return (request) => {
    const address = request.socket?.remoteAddress;
    if (address === undefined) return false;
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
