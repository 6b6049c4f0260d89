import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAuditStore } from 'nestjs-event-bus';
import { startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';

// Findings F3 and F4 of the reliability report, seen from the tamper-evident trail, where a secret can never be
// removed without breaking verify(), and where an over-redacted value is lost for good.

describe('audit trail on SQLite: secrets', () => {
  let dir: string;
  let started: AuditApp | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-secrets-'));
  });
  afterEach(async () => {
    await started?.app.close();
    started = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps innocent keys and redacts secret ones by whole words', async () => {
    started = await startAuditApp({
      store: new SqliteAuditStore({ path: join(dir, 'audit.db') }),
      include: ['llm.**'],
    });
    const { bus, audit } = started;
    bus.emit('llm.completed', {
      totalTokens: 1200,
      tokenizer: 'bpe',
      secretary: 'Ann',
      passwordless: true,
      pinCode: '0000',
      sessionId: 's-1',
      otp: '123456',
    });
    await audit.flush();
    const [record] = (await audit.query()).records;
    expect(record.data).toEqual({
      totalTokens: 1200,
      tokenizer: 'bpe',
      secretary: 'Ann',
      passwordless: true,
      pinCode: '[REDACTED]',
      sessionId: '[REDACTED]',
      otp: '[REDACTED]',
    });
  });

  it('never writes a secret a handler error quotes into event.handler.failed records', async () => {
    started = await startAuditApp({
      store: new SqliteAuditStore({ path: join(dir, 'audit.db') }),
      include: ['event.handler.failed'],
    });
    const { bus, audit } = started;
    bus.on('user.signed-up', () => {
      throw new Error('mail relay said: 535 auth failed for user=bob password=Tr0ub4dor&3');
    });
    bus.on('user.signed-up', () => {
      throw new Error('could not hash "correct horse battery"');
    });
    bus.emit('user.signed-up', { user: 'bob', password: 'correct horse battery' });
    await audit.flush();
    const { records } = await audit.query({ type: 'event.handler.failed' });
    expect(records).toHaveLength(2);
    const text = JSON.stringify(records);
    expect(text).not.toContain('Tr0ub4dor');
    expect(text).not.toContain('correct horse');
    expect(records.map((r) => (r.data as { error: string }).error)).toEqual([
      'mail relay said: 535 auth failed for user=bob password=[REDACTED]',
      'could not hash "[REDACTED]"',
    ]);
  });
});
