/**
 * Rules for bar and drink names: how a typed name is normalized, checked and turned into the
 * lookup key that makes lookups case-insensitive.
 */

/** Maximum name length, in Unicode code points after normalization. */
export const MAX_NAME_LENGTH = 100;

/** Reason a name is invalid, phrased so it completes "barName ..." in an error message. */
export type NameProblem =
  | 'is empty'
  | 'is longer than 100 characters'
  | 'contains a control character'
  | 'contains an unpaired surrogate'
  | 'contains an invisible format character, such as a zero-width space or a text direction control'
  | 'is "." or "..", which a URL path cannot carry';

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** A UTF-16 surrogate without its pair, which no UTF-8 request, object key or DynamoDB item can carry. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * Invisible format characters (Unicode category Cf): zero-width space and joiners, direction marks,
 * embeddings, overrides and isolates, soft hyphen, tags. They make two names that render alike
 * differ, or make a name render empty or reversed.
 */
const FORMAT_CHARACTER = /\p{Cf}/u;

/**
 * Format characters that emoji need, removed before the check above: a zero-width joiner between two
 * emoji (👩‍🍳, 🏳️‍🌈), and the tag characters of a subdivision flag (🏴 with tags up to CANCEL TAG).
 */
const EMOJI_FORMAT_SEQUENCE = /(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200d(?=\p{Extended_Pictographic})|(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

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
  if (UNPAIRED_SURROGATE.test(name)) return 'contains an unpaired surrogate';
  if (FORMAT_CHARACTER.test(name.replace(EMOJI_FORMAT_SEQUENCE, ''))) {
    return 'contains an invisible format character, such as a zero-width space or a text direction control';
  }
  // URL parsers remove `.` and `..` path segments, even percent-encoded, so the read routes could
  // never address such a name.
  if (name === '.' || name === '..') return 'is "." or "..", which a URL path cannot carry';

  return undefined;
}

/**
 * Derives the lookup key of a normalized name; the name itself is stored and shown unchanged.
 *
 * NFKC first folds compatibility forms, so fullwidth `ＢＡＲ` and the ligature `ﬁ` match `BAR` and
 * `fi`. Lower-, upper-, then lower-casing approximates Unicode full case folding with what
 * JavaScript offers. `ẞ`, `ß` and `SS` all become `ss`, because `ẞ` lower-cases to `ß`, which
 * upper-cases to `SS`. Final sigma becomes `σ`. Casing is locale-independent, so dotless `ı`
 * upper-cases to `I` and `Kırmızı` matches `Kirmizi`, while `İ` lower-cases to `i` with a combining
 * dot and `İSTANBUL` stays apart from `istanbul`, as in Unicode full case folding. NFKC afterwards
 * undoes the decompositions that casing can introduce.
 */
export function toLookupKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}
