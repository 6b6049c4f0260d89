/** The message of a thrown `Error`, or the thrown value as a string when it is not one. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
