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

/** A string's estimated heap bytes: a header plus one byte per character, two when any is beyond Latin-1. */
export function stringBytes(value: string): number {
  return STRING_HEADER_BYTES + (isOneByte(value) ? value.length : value.length * 2);
}

/** A number's bytes beyond its slot: small integers live in the slot, others are boxed. */
export function numberBytes(value: number): number {
  return Number.isInteger(value) && value < SMI_MAX && value >= -SMI_MAX ? 0 : BOXED_NUMBER_BYTES;
}

const TWO_BYTE = /[^\u0000-\u00ff]/;

function isOneByte(value: string): boolean {
  if (value.length > 32) return !TWO_BYTE.test(value);
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}
