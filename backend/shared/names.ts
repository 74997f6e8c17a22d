/**
 * Rules for bar and drink names: how a typed name is normalized, checked and turned into the
 * lookup key that makes lookups case-insensitive.
 */

/** Maximum name length, in Unicode code points after normalization. */
export const MAX_NAME_LENGTH = 100;

/** Reason a name is invalid, phrased so it completes "barName ..." in an error message. */
export type NameProblem = 'is empty' | 'is longer than 100 characters' | 'contains a control character';

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Whitespace that is not also a control character: space, no-break spaces, the Unicode spaces. */
const SPACE_RUN = /[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+/gu;

/**
 * Normalizes a typed name: Unicode NFC, trimmed of leading and trailing whitespace, each inner run of
 * spaces turned into one space. An inner tab or line break is kept, so `findNameProblem` rejects it
 * as a control character instead of silently changing the name.
 */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC').trim().replace(SPACE_RUN, ' ');
}

/** Returns what is wrong with a normalized name, or undefined when it is valid. */
export function findNameProblem(name: string): NameProblem | undefined {
  if (name.length === 0) return 'is empty';
  if ([...name].length > MAX_NAME_LENGTH) return 'is longer than 100 characters';
  if (CONTROL_CHARACTER.test(name)) return 'contains a control character';

  return undefined;
}

/**
 * Derives the lookup key of a normalized name. Upper- then lower-casing approximates Unicode full
 * case folding with what JavaScript offers (`ß` and `SS` both become `ss`, final sigma becomes
 * `σ`); NFC afterwards undoes the decompositions that casing can introduce.
 */
export function toLookupKey(name: string): string {
  return name.toUpperCase().toLowerCase().normalize('NFC');
}
