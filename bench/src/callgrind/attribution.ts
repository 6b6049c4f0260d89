import type { CallgrindProfile } from './profile';

/**
 * Instructions executed while a root function is on the stack: the roots' own and everything they call.
 * Callgrind keeps call edges, not whole stacks, so a function that roots and non-roots both call (memcpy, a heap
 * visitor) is shared out by its callers: the share of its cost that is under a root is the inclusive-cost
 * weighted share of its callers', computed to a fixed point. Exact for functions only roots reach, and a root
 * nested under another root is never counted twice.
 */
export function costUnder(profile: CallgrindProfile, isRoot: (name: string) => boolean): number {
  const callers = new Map<string, { caller: string; cost: number }[]>();
  for (const { caller, callee, cost } of profile.calls) {
    if (caller === callee) continue;
    const list = callers.get(callee) ?? [];
    list.push({ caller, cost });
    callers.set(callee, list);
  }
  const share = new Map<string, number>();
  const rootShare = (name: string) => (isRoot(name) ? 1 : 0);
  for (const name of profile.self.keys()) share.set(name, rootShare(name));
  for (const name of callers.keys()) share.set(name, rootShare(name));
  const derived = [...callers.entries()].filter(([name]) => !isRoot(name));
  for (let pass = 0; pass < 500; pass++) {
    let change = 0;
    for (const [name, list] of derived) {
      let weight = 0;
      let under = 0;
      for (const { caller, cost } of list) {
        weight += cost;
        under += cost * (share.get(caller) ?? 0);
      }
      const next = weight > 0 ? under / weight : 0;
      change = Math.max(change, Math.abs(next - share.get(name)!));
      share.set(name, next);
    }
    if (change < 1e-9) break;
  }
  let cost = 0;
  for (const [name, own] of profile.self) cost += own * share.get(name)!;
  return cost;
}
