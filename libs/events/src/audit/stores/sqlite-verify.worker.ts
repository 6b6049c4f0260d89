import { Worker } from 'node:worker_threads';

/** What one verify thread is started with. */
interface VerifyWorkerData {
  /** Resolved path of better-sqlite3, as the main thread loaded it. */
  driverPath: string;
  /** Database file. */
  path: string;
  /** `[seq, text, hash]` rows of a seq range (two parameters), as `ChainTextSource.chainTexts()` reads them. */
  chainTextSql: string;
  /** The range this thread checks, both ends included. */
  fromSeq: number;
  toSeq: number;
  /** Records read per query. */
  page: number;
  /** The chain keys by id, as hex; records keyed with any other key fail the range. */
  keys: [id: string, secretHex: string][];
  /** Records above this seq must be keyed (Infinity when the chain has no key). */
  unkeyedUpTo: number;
}

/**
 * What a thread found in its range: linked only when every record from `fromSeq` to `toSeq` is there, each text
 * begins with the hash of the record before it in the range, and each hashes to its stored hash. `startLink` is
 * the link the first record claims, `endHash` the last record's hash.
 */
export type RangeCheck = { linked: false } | { linked: true; startLink: string; endHash: string };

/**
 * The thread's code, run with `eval: true`: a file next to this one would not be found when the plugin runs from
 * its TypeScript sources (tests) or inside a bundle. It can only say "this range is linked": anything else sends
 * `verify()` to the exact walk on the main thread, which finds and explains the first bad record.
 */
const VERIFY_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { hash, createHmac } = require('node:crypto');
const { driverPath, path, chainTextSql, fromSeq, toSeq, page, keys, unkeyedUpTo } = workerData;
const secrets = new Map(keys.map(([id, hex]) => [id, Buffer.from(hex, 'hex')]));

// The hash a record should have: sha256, or the HMAC of its key; undefined when it cannot be checked here.
function expected(seq, text, keyId) {
  if (keyId === null) return seq <= unkeyedUpTo ? hash('sha256', text, 'hex') : undefined;
  const secret = secrets.get(keyId);
  return secret === undefined ? undefined : createHmac('sha256', secret).update(text).digest('hex');
}

function checkRange() {
  const Database = require(driverPath);
  const db = new Database(path, { fileMustExist: true });
  try {
    const read = db.prepare(chainTextSql).raw();
    let count = 0;
    let previous;
    let startLink;
    for (let from = fromSeq; from <= toSeq; from += page) {
      for (const [seq, text, stored, keyId] of read.all(from, Math.min(toSeq, from + page - 1))) {
        // Rows come in seq order between the bounds and seq is unique: the count at the end finds any gap. A link
        // is a sha256 in hex, 64 characters, and the record's canonical JSON must begin right after it.
        if (typeof text !== 'string' || text.charCodeAt(64) !== 0x7b) return { linked: false };
        const link = text.slice(0, 64);
        if (previous === undefined) startLink = link;
        else if (link !== previous) return { linked: false };
        if (expected(seq, text, keyId) !== stored) return { linked: false };
        previous = stored;
        count++;
      }
    }
    return count === toSeq - fromSeq + 1 ? { linked: true, startLink, endHash: previous } : { linked: false };
  } finally {
    db.close();
  }
}

let result;
try {
  result = checkRange();
} catch {
  result = { linked: false };
}
parentPort.postMessage(result);
`;

/** Checks `[fromSeq, toSeq]` on a thread of its own; a thread that fails reports the range as not linked. */
export function checkRangeOnThread(data: VerifyWorkerData): Promise<RangeCheck> {
  return new Promise((resolve) => {
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true, workerData: data });
    let result: RangeCheck = { linked: false };
    worker.once('message', (message: RangeCheck) => (result = message));
    worker.once('error', () => undefined);
    worker.once('exit', () => resolve(result));
  });
}
