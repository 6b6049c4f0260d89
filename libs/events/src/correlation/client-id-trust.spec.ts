import type { IncomingMessage } from 'node:http';
import { EventsConfigError } from '../errors/events-config.error';
import { resolveEventsOptions } from '../module/resolve-options';
import { resolveTrustClientIds } from './client-id-trust';

/** A request as the trust check sees it: only the peer address matters to the proxy form. */
function from(remoteAddress: string | undefined): IncomingMessage {
  return { socket: { remoteAddress }, headers: {} } as unknown as IncomingMessage;
}

describe('resolveTrustClientIds', () => {
  it('trusts everyone by default, as before the option existed', () => {
    expect(resolveTrustClientIds(undefined)).toBe(true);
    expect(resolveTrustClientIds(true)).toBe(true);
    expect(resolveEventsOptions({}).correlation).toMatchObject({ trustClientIds: true });
  });

  it('trusts no one with false', () => {
    expect(resolveTrustClientIds(false)).toBe(false);
  });

  it('keeps a function as the check', () => {
    const check = (request: IncomingMessage) => request.headers['x-signed'] === 'yes';
    expect(resolveTrustClientIds(check)).toBe(check);
  });

  it('turns a proxy list into a check of the connection’s peer address', () => {
    const check = resolveTrustClientIds({ proxies: ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8'] });
    expect(typeof check).toBe('function');
    const trusts = check as (request: IncomingMessage) => boolean;
    expect(trusts(from('10.1.2.3'))).toBe(true);
    expect(trusts(from('192.168.1.7'))).toBe(true);
    expect(trusts(from('::1'))).toBe(true);
    expect(trusts(from('fd12::5'))).toBe(true);
    // Node reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6.
    expect(trusts(from('::ffff:10.9.9.9'))).toBe(true);
    expect(trusts(from('192.168.1.8'))).toBe(false);
    expect(trusts(from('11.0.0.1'))).toBe(false);
    expect(trusts(from('2001:db8::1'))).toBe(false);
    // A destroyed socket has no address any more.
    expect(trusts(from(undefined))).toBe(false);
  });

  it.each([
    ['a string', 'yes', 'correlation.trustClientIds'],
    ['a number', 1, 'correlation.trustClientIds'],
    ['an unknown key', { proxy: ['10.0.0.1'] }, 'correlation.trustClientIds.proxy'],
    ['no proxies', { proxies: [] }, 'correlation.trustClientIds.proxies'],
    ['proxies as a string', { proxies: '10.0.0.1' }, 'correlation.trustClientIds.proxies'],
    ['a host name', { proxies: ['proxy.internal'] }, 'correlation.trustClientIds.proxies'],
    ['a prefix too long for IPv4', { proxies: ['10.0.0.0/33'] }, 'correlation.trustClientIds.proxies'],
    ['a prefix that is not a number', { proxies: ['10.0.0.0/x'] }, 'correlation.trustClientIds.proxies'],
    ['two prefixes', { proxies: ['10.0.0.0/8/8'] }, 'correlation.trustClientIds.proxies'],
    ['a number entry', { proxies: [10] }, 'correlation.trustClientIds.proxies'],
  ])('rejects %s, naming the option', (_label, value, option) => {
    expect(() => resolveTrustClientIds(value)).toThrow(EventsConfigError);
    expect(() => resolveTrustClientIds(value)).toThrow(expect.objectContaining({ option }));
  });
});
