import { randomUUID } from 'node:crypto';

/** Current time as ISO-8601 UTC, the format every table stores. */
export function now(): string {
  return new Date().toISOString();
}

/** A new opaque id for a row. */
export function newId(): string {
  return randomUUID();
}
