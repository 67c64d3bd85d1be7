/**
 * R2: phone numbers are kept exactly as sent, plus a normalised E.164 copy for alerting.
 * Accepts international numbers written with spaces, dots, dashes, parentheses or a
 * leading 00; anything else has no E.164 form (the caller flags it).
 */
export function toE164(value: string): string | undefined {
  const compact = value.trim().replace(/[\s().-]/g, "");
  const international = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  return /^\+[1-9]\d{6,14}$/.test(international) ? international : undefined;
}
