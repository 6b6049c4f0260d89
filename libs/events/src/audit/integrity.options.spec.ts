import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventsConfigError } from '../errors/events-config.error';
import { isSignedCheckpoint, signCheckpoint } from './checkpoint';
import { FileCheckpointSink } from './checkpoint-sinks';
import { resolveChainKey, resolveCheckpoints } from './integrity.options';

const ed = generateKeyPairSync('ed25519');
const SECRET = 'a-secret-of-at-least-32-bytes-long!';

describe('audit.chainKey', () => {
  it('resolves the current key and every key for verify()', () => {
    const resolved = resolveChainKey({ current: 'k2', keys: { k1: SECRET, k2: Buffer.alloc(32, 1) } });
    expect(resolved?.key).toEqual({ id: 'k2', secret: Buffer.alloc(32, 1) });
    expect([...resolved!.keyring.keys.keys()]).toEqual(['k1', 'k2']);
    expect(resolved?.keyring.unkeyedUpTo).toBe(0);
    expect(resolveChainKey(undefined)).toBeUndefined();
  });

  it.each([
    [{ current: 'k1', keys: { k1: 'short' } }, 'audit.chainKey.keys.k1'],
    [{ current: 'k9', keys: { k1: SECRET } }, 'audit.chainKey.current'],
    [{ current: 'k1', keys: {} }, 'audit.chainKey.keys'],
    [{ current: 'bad id', keys: { 'bad id': SECRET } }, 'audit.chainKey.keys'],
    [{ current: 'k1', keys: { k1: SECRET }, unkeyedUpTo: -1 }, 'audit.chainKey.unkeyedUpTo'],
    [{ current: 'k1', keys: { k1: SECRET }, rotate: true }, 'audit.chainKey.rotate'],
  ])('refuses %j naming %s, never quoting a secret', (value, option) => {
    let error: unknown;
    try {
      resolveChainKey(value);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(EventsConfigError);
    expect((error as EventsConfigError).option).toBe(option);
    expect((error as Error).message).not.toContain('short"');
    expect((error as Error).message).not.toContain(SECRET);
  });
});

describe('audit.checkpoints', () => {
  const sink = { write: async () => undefined };

  it('derives the public key from the private one, PEM or KeyObject', () => {
    const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const resolved = resolveCheckpoints({ sink, privateKey: pem });
    expect(resolved?.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(resolved).toMatchObject({ everyRecords: 1000, everyMs: 60_000 });
    expect(resolveCheckpoints({ sink, publicKey: ed.publicKey })?.privateKey).toBeUndefined();
  });

  it('refuses a key that is not Ed25519 without quoting it, and a sink without write()', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => resolveCheckpoints({ sink, privateKey: pem })).toThrow(/an Ed25519 private key/);
    try {
      resolveCheckpoints({ sink, privateKey: 'not a key at all, maybe a secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('maybe a secret');
    }
    expect(() => resolveCheckpoints({ sink: {}, privateKey: ed.privateKey })).toThrow(
      /audit\.checkpoints\.sink/,
    );
    expect(() => resolveCheckpoints({ sink })).toThrow(/a privateKey to sign with, or a publicKey/);
  });
});

describe('checkpoints', () => {
  const unsigned = {
    seq: 2,
    hash: 'ab'.repeat(32),
    fromSeq: 1,
    fingerprints: Buffer.alloc(8).toString('base64'),
    at: '2026-01-01T00:00:00.000Z',
  };

  it('checks a signature over every field', () => {
    const signed = signCheckpoint(unsigned, ed.privateKey);
    expect(isSignedCheckpoint(signed, ed.publicKey)).toBe(true);
    for (const change of [
      { seq: 3 },
      { hash: 'cd'.repeat(32) },
      { at: '2027-01-01T00:00:00.000Z' },
      { fromSeq: 2 },
    ]) {
      expect(isSignedCheckpoint({ ...signed, ...change }, ed.publicKey)).toBe(false);
    }
    expect(isSignedCheckpoint(signed, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(isSignedCheckpoint({ ...signed, fingerprints: 'AAAA' }, ed.publicKey)).toBe(false);
    expect(isSignedCheckpoint(null, ed.publicKey)).toBe(false);
  });

  it('a file sink appends one line each and reads them back, skipping torn lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    try {
      const fileSink = new FileCheckpointSink({ path: join(dir, 'nested', 'checkpoints.jsonl') });
      await expect(fileSink.read()).resolves.toEqual([]);
      const signed = signCheckpoint(unsigned, ed.privateKey);
      await fileSink.write(signed);
      await fileSink.write({ ...signed, seq: 4 });
      await expect(fileSink.read()).resolves.toEqual([signed, { ...signed, seq: 4 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
