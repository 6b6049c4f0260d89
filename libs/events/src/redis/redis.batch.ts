import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis.connections';

/** Commands on keys of one hash tag (`key` names it), added to whatever pipeline they go out in. */
export interface BatchItem {
  readonly key: string;
  add(pipeline: ChainableCommander): void;
}

/** One command's reply in a pipeline: its error, or null and its value. */
export type BatchResult = [Error | null, unknown];

/**
 * Sends `items` in pipelines and returns each item's replies, in the items' order. On one Redis that is one
 * pipeline; on a Cluster, one pipeline per hash tag, sent at once (ioredis sends a pipeline to a single node, and
 * the streams of a transport live on several).
 */
export async function execBatch(client: RedisClient, items: readonly BatchItem[]): Promise<BatchResult[][]> {
  const groups = new Map<string, { pipeline: ChainableCommander; members: number[] }>();
  const sizes: number[] = [];
  items.forEach((item, i) => {
    const tag = client.isCluster ? hashTag(item.key) : '';
    let group = groups.get(tag);
    if (group === undefined) groups.set(tag, (group = { pipeline: client.pipeline(), members: [] }));
    const before = group.pipeline.length;
    item.add(group.pipeline);
    sizes[i] = group.pipeline.length - before;
    group.members.push(i);
  });
  const replies: BatchResult[][] = items.map(() => []);
  await Promise.all(
    [...groups.values()].map(async ({ pipeline, members }) => {
      const results = ((await pipeline.exec()) ?? []) as BatchResult[];
      let at = 0;
      for (const i of members) replies[i] = results.slice(at, (at += sizes[i]));
    }),
  );
  return replies;
}

/** The part of `key` Redis Cluster hashes: between the first `{` and the next `}` when not empty, else all. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
