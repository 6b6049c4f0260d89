import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './redis-server';

/** One node of a cluster this test started: its client port, bus port and pid. */
export interface OwnClusterNode {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly busPort: number;
  readonly pid: number;
}

/** A Redis Cluster of this test's own, on loopback ports of its own, with its config files in `dir`. */
export interface OwnRedisCluster {
  readonly nodes: readonly OwnClusterNode[];
  readonly dir: string;
  /** Stops the servers it started (by pid) and removes `dir`. */
  stop(): Promise<void>;
}

const DEADLINE_MS = 30_000;

/**
 * Starts `size` redis-server processes with cluster mode on (nothing kept on disk but the cluster config, in a
 * temporary directory), joins them with `redis-cli --cluster create` (masters only, slots split evenly) and
 * resolves once every node says `cluster_state:ok`.
 */
export async function startRedisCluster(size = 3): Promise<OwnRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(killAndWait));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes: OwnClusterNode[] = [];
    for (let i = 0; i < size; i++) {
      const [port, busPort] = await twoFreePorts();
      const child = startNode(port, busPort, dir);
      children.push(child);
      nodes.push({ host: '127.0.0.1', port, busPort, pid: child.pid! });
    }
    await Promise.all(nodes.map((node) => untilAnswers(node.port)));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(nodes.map((node) => untilClusterOk(node.port)));
    return { nodes, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `CLUSTER NODES` as the node owning each slot range: `port → [from, to][]`. */
export async function slotOwners(port: number): Promise<Map<number, [number, number][]>> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await client.connect();
    const text = (await client.call('CLUSTER', 'NODES')) as string;
    const owners = new Map<number, [number, number][]>();
    for (const line of text.trim().split('\n')) {
      const [, address, flags, , , , , , ...slots] = line.split(' ');
      if (!flags.includes('master')) continue;
      const nodePort = Number(address.split('@')[0].split(':')[1]);
      owners.set(
        nodePort,
        slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to] = range.split('-').map(Number);
            return [from, to ?? from];
          }),
      );
    }
    return owners;
  } finally {
    client.disconnect();
  }
}

/** The port of the node owning `slot`. */
export function ownerOf(owners: Map<number, [number, number][]>, slot: number): number | undefined {
  for (const [port, ranges] of owners)
    if (ranges.some(([from, to]) => slot >= from && slot <= to)) return port;
  return undefined;
}

function startNode(port: number, busPort: number, dir: string): ChildProcess {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
}

/** A client port and a cluster-bus port, both free now and distinct. */
async function twoFreePorts(): Promise<[number, number]> {
  const port = await freePort();
  let busPort = await freePort();
  while (busPort === port) busPort = await freePort();
  return [port, busPort];
}

async function untilAnswers(port: number): Promise<void> {
  await poll(`redis-server on ${port} to answer`, async () => {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  });
}

async function untilClusterOk(port: number): Promise<void> {
  await poll(`cluster_state:ok on ${port}`, async () => {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      return String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  });
}

async function poll(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: no ${what} within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
