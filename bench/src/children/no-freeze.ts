// Preloaded (`node --require`) only into the ablation candidate of emit-instructions: Object.freeze does nothing
// in that process. It breaks the bus's contract (events and payloads stay writable) and shows what the two
// freezes of each emit cost.
Object.freeze = ((value: unknown) => value) as typeof Object.freeze;
