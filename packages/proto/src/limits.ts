/**
 * Limits on the text identity-core stores, part of the cosafe.identity.v1 contract
 * (docs/adr/0018-input-limits.md). identity-core refuses a longer value, one with a control
 * character or one that is not valid Unicode with INVALID_ARGUMENT and the reason TEXT_TOO_LONG,
 * TEXT_CONTROL_CHARACTER or TEXT_INVALID_UNICODE (metadata `field`); the SCIM facade checks the same figures early and documents them at /Schemas.
 */
export const textLimits = {
  /** userName, externalId, displayName (users and groups): they are indexed and shown everywhere. */
  short: 256,
  /** Every other stored string: title, name parts, email and phone values and types, locale, … */
  long: 1024,
} as const;

/** Fields that get {@link textLimits.short}; every other stored string gets {@link textLimits.long}. */
export const shortTextFields: ReadonlySet<string> = new Set(["userName", "externalId", "displayName"]);

/** The character length limit of a stored field, named as SCIM names it (`name.givenName`, `emails.value`). */
export function textLimitOf(field: string): number {
  return shortTextFields.has(field) ? textLimits.short : textLimits.long;
}

/**
 * The index of the first C0 control (NUL, tab, newline, …) or DEL in `value`, or -1; characters
 * in `allowed` (e.g. "\t\n\r") are skipped. No stored string or filter literal carries one.
 */
export function controlCharacterAt(value: string, allowed = ""): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 || code === 0x7f) && !allowed.includes(value.charAt(i))) return i;
  }
  return -1;
}

/** A UTF-16 surrogate without its partner: not a character, and PostgreSQL would store U+FFFD instead. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type TextProblem = "TEXT_TOO_LONG" | "TEXT_CONTROL_CHARACTER" | "TEXT_INVALID_UNICODE";

/** What is wrong with a value of `field`, or undefined when it may be stored. Length counts UTF-16 code units. */
export function textProblem(field: string, value: string): TextProblem | undefined {
  if (value.length > textLimitOf(field)) return "TEXT_TOO_LONG";
  if (controlCharacterAt(value) >= 0) return "TEXT_CONTROL_CHARACTER";
  if (loneSurrogate.test(value)) return "TEXT_INVALID_UNICODE";
  return undefined;
}

/** The message both services use for a refused value. */
export function textProblemMessage(field: string, problem: TextProblem): string {
  if (problem === "TEXT_TOO_LONG") return `${field} is longer than ${textLimitOf(field)} characters`;
  if (problem === "TEXT_INVALID_UNICODE") return `${field} contains an unpaired UTF-16 surrogate`;
  return `${field} contains a control character (U+0000–U+001F or U+007F)`;
}
