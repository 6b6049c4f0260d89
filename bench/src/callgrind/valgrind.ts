// Running a child process under callgrind and steering it from the bench with callgrind_control.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Launcher } from '../http-servers';

const run = promisify(execFile);

/** Why callgrind cannot be used here (a tool missing), or undefined when it can. */
export function callgrindUnavailable(): string | undefined {
  for (const tool of ['valgrind', 'callgrind_control']) {
    const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0)
      return `${tool} not found (${probe.error?.message ?? probe.stderr})`;
  }
  return undefined;
}

/**
 * Node under callgrind with instrumentation off from the start (it runs at near-native speed, uncounted, until
 * `instrumentation(pid, true)`); each `dump(pid)` then writes `<outFile>.<n>` with the counts since the last one.
 */
export function callgrindLauncher(outFile: string, nodeFlags: readonly string[]): Launcher {
  return {
    command: 'valgrind',
    args: [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${outFile}`,
      '--quiet',
      process.execPath,
      ...nodeFlags,
    ],
  };
}

export async function instrumentation(pid: number, on: boolean): Promise<void> {
  await run('callgrind_control', [`--instr=${on ? 'on' : 'off'}`, String(pid)]);
}

/** Writes the counts since the last dump to the next numbered file and zeroes them. */
export async function dump(pid: number): Promise<void> {
  await run('callgrind_control', ['--dump', String(pid)]);
}

/**
 * Runs `work` with a directory for callgrind's dumps: BENCH_CALLGRIND_DIR when set (kept there, for
 * callgrind_annotate), else a temporary one removed afterwards.
 */
export async function withDumpDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const keep = process.env.BENCH_CALLGRIND_DIR;
  const dir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), `${prefix}-`));
  mkdirSync(dir, { recursive: true });
  try {
    return await work(dir);
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
