/** Invisible format characters (zero-width spaces and joiners...): removed before a key is split. */
const FORMAT_CHARACTERS = /\p{Cf}/gu;
/** Boundaries inside a run of letters and digits: `aB`, `ABc` (between `A` and `Bc`), `a1`, `1a`. */
const CASE_BOUNDARY =
  /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/u;

/**
 * The words of a key, lowercase: camelCase and PascalCase humps, snake_case, kebab-case, dots and spaces, and
 * letters against digits all separate words. `X-Api-Key` -> `x api key`, `APIKey` -> `api key`, `sessionID` ->
 * `session id`, `oauth2Token` -> `oauth 2 token`, `pass\u200bword` -> `password`.
 */
export function keyWords(key: string): string[] {
  const spaced = key.replace(FORMAT_CHARACTERS, '').replace(CASE_BOUNDARY, ' ');
  return spaced
    .split(NOT_WORD)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}
