import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import {
  FileCheckpointSink,
  LoggerCheckpointSink,
  type AuditCheckpoint,
  type AuditOptions,
  type AuditStore,
} from 'nestjs-event-bus';
import { until } from '../../support/wait';
import { startAuditApp, type AuditApp } from '../fixtures/audit-app.fixture';
import { deleteRow, insertForged, rewriteSuffix, type Tamperer } from './tamper';
import { emitUsers } from './verify-scenarios';

// Reliability report D.s/p 14 and 19: anyone who can write the audit table could append a valid forged record or
// rewrite a suffix with recomputed hashes, and verify() accepted both. A keyed chain (HMAC) and signed checkpoints
// close that; these scenarios run the same way on SQLite and PostgreSQL.

/** What a scenario needs from the suite of one store. */
export interface IntegritySuite {
  /** A new store on the test's own database (same table each call). */
  store(): AuditStore;
  /** Raw SQL against that table, as an attacker with write access would run it. */
  tamperer(): Tamperer;
  /** A directory of the test's own, for checkpoint files. */
  dir(): string;
  /** Apps started here, closed after the test. */
  apps: AuditApp[];
}

const KEY_1 = 'k'.repeat(32);
const KEY_2 = 'second-key-of-at-least-32-bytes!!';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** Registers the scenarios (call inside a describe). */
export function integrityScenarios(suite: IntegritySuite): void {
  async function start(options: AuditOptions = {}): Promise<AuditApp> {
    const app = await startAuditApp({ store: suite.store(), ...options });
    suite.apps.push(app);
    return app;
  }

  async function stop(app: AuditApp): Promise<void> {
    suite.apps.splice(suite.apps.indexOf(app), 1);
    await app.app.close();
  }

  const checkpointFile = () => `${suite.dir()}/checkpoints.jsonl`;
  const withCheckpoints = (): AuditOptions => ({
    checkpoints: { sink: new FileCheckpointSink({ path: checkpointFile() }), privateKey, everyRecords: 10 },
  });
  /** Whole lines only: appendFile creates the file before it writes, so a read can see it empty or cut short. */
  const checkpointLines = () =>
    existsSync(checkpointFile()) ? readFileSync(checkpointFile(), 'utf8').split('\n').length - 1 : 0;

  describe('without a key or a checkpoint (what the chain alone cannot tell)', () => {
    it('a forged record appended with a correct link and hash passes', async () => {
      const app = await start();
      await emitUsers(app, 10);
      await insertForged(suite.tamperer(), 11, true);
      await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 11 });
    });

    it('a suffix rewritten with recomputed hashes passes', async () => {
      const app = await start();
      await emitUsers(app, 10);
      await rewriteSuffix(suite.tamperer(), 6, true);
      await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 10 });
    });
  });

  describe('with a chain key (HMAC)', () => {
    const keyed = (): AuditOptions => ({ chainKey: { current: 'k1', keys: { k1: KEY_1 } } });

    it('catches a forged append at the forged record, labelled with the key id or not', async () => {
      const app = await start(keyed());
      await emitUsers(app, 10);
      const { records } = await app.audit.query();
      expect(new Set(records.map((r) => r.keyId))).toEqual(new Set(['k1']));
      await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 10 });
      await insertForged(suite.tamperer(), 11, true);
      await expect(app.audit.verify()).resolves.toMatchObject({
        ok: false,
        firstBadSeq: 11,
        reason: expect.stringMatching(/record 11 is not keyed/),
      });
      await suite
        .tamperer()
        .exec(`UPDATE ${suite.tamperer().table} SET key_id = ? WHERE seq = ?`, ['k1', 11]);
      await expect(app.audit.verify()).resolves.toMatchObject({ ok: false, firstBadSeq: 11 });
    });

    it('catches a recomputed suffix at its first rewritten record', async () => {
      const app = await start(keyed());
      await emitUsers(app, 10);
      await rewriteSuffix(suite.tamperer(), 6, true);
      await expect(app.audit.verify()).resolves.toMatchObject({
        ok: false,
        firstBadSeq: 6,
        reason: expect.stringMatching(/record 6 was changed/),
      });
    });

    it('verifies across a key rotation, each record with the key it names', async () => {
      const first = await start(keyed());
      await emitUsers(first, 5);
      await stop(first);
      const rotated = await start({ chainKey: { current: 'k2', keys: { k1: KEY_1, k2: KEY_2 } } });
      await emitUsers(rotated, 5, 5);
      const { records } = await rotated.audit.query();
      expect(records.map((r) => r.keyId)).toEqual([...Array(5).fill('k1'), ...Array(5).fill('k2')]);
      await expect(rotated.audit.verify()).resolves.toMatchObject({ ok: true, checked: 10 });
      await stop(rotated);
      const forgotten = await start({ chainKey: { current: 'k2', keys: { k2: KEY_2 } } });
      await expect(forgotten.audit.verify()).resolves.toMatchObject({
        ok: false,
        firstBadSeq: 1,
        reason: expect.stringMatching(/key "k1", which this app does not hold/),
      });
    });

    it('accepts records older than the key only up to unkeyedUpTo', async () => {
      const before = await start();
      await emitUsers(before, 5);
      await stop(before);
      const strict = await start(keyed());
      await emitUsers(strict, 5, 5);
      await expect(strict.audit.verify()).resolves.toMatchObject({ ok: false, firstBadSeq: 1 });
      await stop(strict);
      const migrated = await start({ chainKey: { current: 'k1', keys: { k1: KEY_1 }, unkeyedUpTo: 5 } });
      await expect(migrated.audit.verify()).resolves.toMatchObject({ ok: true, checked: 10 });
    });
  });

  describe('with signed checkpoints', () => {
    it('catches a recomputed suffix and names its first rewritten record, not the checkpoint', async () => {
      const app = await start(withCheckpoints());
      await emitUsers(app, 10);
      await until(() => checkpointLines() === 1);
      await emitUsers(app, 10, 10);
      await until(() => checkpointLines() === 2);
      await expect(app.audit.verify()).resolves.toMatchObject({
        ok: true,
        checked: 20,
        checkpoints: { checked: 2, invalid: 0 },
      });
      await rewriteSuffix(suite.tamperer(), 6, true);
      const result = await app.audit.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: 6, checkpoints: { checked: 2, invalid: 0 } });
      expect(result.reason).toMatch(/record 6 does not match the checkpoint .* rewritten from record 6 on/);
    });

    it('catches a cut tail at the first missing record', async () => {
      const app = await start(withCheckpoints());
      await emitUsers(app, 10);
      await until(() => checkpointLines() === 1);
      for (const seq of [10, 9, 8]) await deleteRow(suite.tamperer(), seq);
      await expect(app.audit.verify()).resolves.toMatchObject({
        ok: false,
        firstBadSeq: 8,
        reason: expect.stringMatching(/record 8 is missing/),
      });
    });

    it('does not catch a forged append after the last checkpoint (the key does): documented', async () => {
      const app = await start(withCheckpoints());
      await emitUsers(app, 10);
      await until(() => checkpointLines() === 1);
      await insertForged(suite.tamperer(), 11, true);
      await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 11 });
    });

    it('counts a checkpoint it did not sign as invalid and fails', async () => {
      const app = await start(withCheckpoints());
      await emitUsers(app, 10);
      await until(() => checkpointLines() === 1);
      const [real] = readFileSync(checkpointFile(), 'utf8').trim().split('\n');
      const forged: AuditCheckpoint = { ...(JSON.parse(real) as AuditCheckpoint), seq: 9 };
      writeFileSync(checkpointFile(), `${real}\n${JSON.stringify(forged)}\nnot json\n`);
      await expect(app.audit.verify()).resolves.toMatchObject({
        ok: false,
        checkpoints: { checked: 1, invalid: 1 },
        reason: expect.stringMatching(/not signed with the configured key/),
      });
    });

    it('signs a final checkpoint at shutdown; a process holding only the public key verifies given checkpoints', async () => {
      const lines: string[] = [];
      const sink = new LoggerCheckpointSink({ log: (line: string) => void lines.push(line) } as never);
      const writer = await start({ checkpoints: { sink, privateKey, everyRecords: 1000 } });
      await emitUsers(writer, 7);
      await stop(writer);
      expect(lines).toHaveLength(1);
      const checkpoint = JSON.parse(lines[0].replace(/^audit checkpoint /, '')) as AuditCheckpoint;
      expect(checkpoint).toMatchObject({ seq: 7, fromSeq: 1 });
      const verifier = await start({ checkpoints: { sink, publicKey } });
      await expect(verifier.audit.verify({ checkpoints: [checkpoint] })).resolves.toMatchObject({
        ok: true,
        checkpoints: { checked: 1, invalid: 0 },
      });
      await rewriteSuffix(suite.tamperer(), 3, true);
      await expect(verifier.audit.verify({ checkpoints: [checkpoint] })).resolves.toMatchObject({
        ok: false,
        firstBadSeq: 3,
      });
    });
  });
}
