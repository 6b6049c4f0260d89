import { createHash } from 'node:crypto';
import { canonicalJson } from 'nestjs-event-bus';

/** Runs one SQL statement with positional `?` parameters against the audit table's database. */
export type Exec = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/** The SQL each tampering case runs; `t` is the (qualified) audit table. */
export interface Tamperer {
  exec: Exec;
  table: string;
}

interface RawRow {
  seq: number;
  event_id: string;
  type: string;
  version: number;
  timestamp: string;
  correlation_id: string;
  causation_id: string | null;
  actor_id: string | null;
  source: string;
  severity: string;
  data: string;
  prev_hash: string;
  hash: string;
}

async function rowAt({ exec, table }: Tamperer, seq: number): Promise<RawRow> {
  const [row] = (await exec(`SELECT * FROM ${table} WHERE seq = ?`, [seq])) as RawRow[];
  return { ...row, seq: Number(row.seq) };
}

/** An attacker's own hash computation, written independently of the library's row serializer. */
export function forgeHash(row: Omit<RawRow, 'hash'>): string {
  const record = {
    seq: row.seq,
    eventId: row.event_id,
    type: row.type,
    version: row.version,
    timestamp: row.timestamp,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    actorId: row.actor_id,
    source: row.source,
    severity: row.severity,
    data: JSON.parse(row.data),
    prevHash: row.prev_hash,
  };
  return createHash('sha256').update(row.prev_hash).update(canonicalJson(record)).digest('hex');
}

const UPDATE_ALL =
  'UPDATE {t} SET event_id = ?, type = ?, version = ?, timestamp = ?, correlation_id = ?, causation_id = ?, ' +
  'actor_id = ?, source = ?, severity = ?, data = ?, prev_hash = ?, hash = ? WHERE seq = ?';

async function overwrite(tamperer: Tamperer, seq: number, row: RawRow): Promise<void> {
  await tamperer.exec(UPDATE_ALL.replace('{t}', tamperer.table), [
    row.event_id,
    row.type,
    row.version,
    row.timestamp,
    row.correlation_id,
    row.causation_id,
    row.actor_id,
    row.source,
    row.severity,
    row.data,
    row.prev_hash,
    row.hash,
    seq,
  ]);
}

/** Edits one record's payload in place. */
export async function changeData(tamperer: Tamperer, seq: number): Promise<void> {
  await tamperer.exec(`UPDATE ${tamperer.table} SET data = ? WHERE seq = ?`, ['{"id":"someone-else"}', seq]);
}

export async function deleteRow(tamperer: Tamperer, seq: number): Promise<void> {
  await tamperer.exec(`DELETE FROM ${tamperer.table} WHERE seq = ?`, [seq]);
}

/** Exchanges the contents of two records (each keeps its position). */
export async function swapRows(tamperer: Tamperer, a: number, b: number): Promise<void> {
  const rowA = await rowAt(tamperer, a);
  const rowB = await rowAt(tamperer, b);
  // Unique event ids: move one out of the way first.
  await tamperer.exec(`UPDATE ${tamperer.table} SET event_id = ? WHERE seq = ?`, ['swap-tmp', a]);
  await overwrite(tamperer, b, rowA);
  await overwrite(tamperer, a, rowB);
}

/**
 * Inserts a forged record at `seq`, moving every later record one place up. With `validHash`, the forged row
 * links to its predecessor and carries a correct hash of its own, as a careful forger would make it.
 */
export async function insertForged(tamperer: Tamperer, seq: number, validHash: boolean): Promise<void> {
  const { exec, table } = tamperer;
  const rows = (await exec(`SELECT seq FROM ${table} WHERE seq >= ? ORDER BY seq DESC`, [seq])) as {
    seq: number;
  }[];
  for (const { seq: s } of rows)
    await exec(`UPDATE ${table} SET seq = ? WHERE seq = ?`, [Number(s) + 1, Number(s)]);
  const before = await rowAt(tamperer, seq - 1);
  const forged: Omit<RawRow, 'hash'> = {
    ...before,
    seq,
    event_id: 'forged-' + seq,
    data: '{"id":"forged"}',
    prev_hash: before.hash,
  };
  const hash = validHash ? forgeHash(forged) : 'f'.repeat(64);
  await exec(
    `INSERT INTO ${table} (seq, event_id, type, version, timestamp, correlation_id, causation_id, actor_id, source, ` +
      `severity, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      forged.seq,
      forged.event_id,
      forged.type,
      forged.version,
      forged.timestamp,
      forged.correlation_id,
      forged.causation_id,
      forged.actor_id,
      forged.source,
      forged.severity,
      forged.data,
      forged.prev_hash,
      hash,
    ],
  );
}

/**
 * Rewrites every record from `from` on with new data and hashes recomputed correctly for each row, but the first
 * rewritten row's link is wrong (it points at a made-up predecessor). With `correctLink`, the forger also gets
 * the link right: the whole suffix is then a valid chain and only an expected head kept elsewhere catches it.
 * `linkTo` is the record the forger links the suffix to (the one before `from`, unless that one was deleted).
 */
export async function rewriteSuffix(
  tamperer: Tamperer,
  from: number,
  correctLink: boolean,
  linkTo = from - 1,
): Promise<void> {
  const { exec, table } = tamperer;
  const rows = ((await exec(`SELECT * FROM ${table} WHERE seq >= ? ORDER BY seq`, [from])) as RawRow[]).map(
    (r) => ({
      ...r,
      seq: Number(r.seq),
    }),
  );
  let prevHash = correctLink ? (await rowAt(tamperer, linkTo)).hash : 'a'.repeat(64);
  for (const row of rows) {
    const rewritten = { ...row, data: '{"id":"rewritten"}', prev_hash: prevHash };
    rewritten.hash = forgeHash(rewritten);
    await overwrite(tamperer, row.seq, rewritten);
    prevHash = rewritten.hash;
  }
}
