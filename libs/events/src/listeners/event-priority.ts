/** Named priority levels for listeners; any finite number works, higher runs first. */
export const EventPriority = Object.freeze({
  CRITICAL: 100,
  HIGH: 50,
  NORMAL: 0,
  LOW: -50,
} as const);

export type EventPriority = (typeof EventPriority)[keyof typeof EventPriority];
