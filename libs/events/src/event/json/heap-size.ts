/**
 * Estimates of what JSON values cost on the V8 heap, for the history's byte bound. They count object and array
 * headers, one slot per member or element, boxed non-small numbers and two-byte strings; keys are not counted
 * (V8 internalises them, so events of one shape share them).
 */
export const OBJECT_BYTES = 48;
export const ARRAY_BYTES = 32;
export const SLOT_BYTES = 8;
export const BOXED_NUMBER_BYTES = 16;
const STRING_HEADER_BYTES = 16;
const SMI_MAX = 2 ** 30;
/** Strings up to this long are counted without a scan. */
const SHORT_STRING = 32;
const TWO_BYTE = /[^\u0000-\u00ff]/;

/**
 * A string's estimated heap bytes: a header plus one byte per character, two when any is beyond Latin-1. A short
 * string is not scanned (no loop on the hot path): its two-byte excess is within the header and rounding slack.
 */
export function stringBytes(value: string): number {
  const length = value.length;
  if (length <= SHORT_STRING) return STRING_HEADER_BYTES + length;
  return STRING_HEADER_BYTES + (TWO_BYTE.test(value) ? length * 2 : length);
}

/** A number's bytes beyond its slot: small integers live in the slot, others are boxed. */
export function numberBytes(value: number): number {
  return Number.isInteger(value) && value < SMI_MAX && value >= -SMI_MAX ? 0 : BOXED_NUMBER_BYTES;
}
