/**
 * The protocol limits of Cosafe's SCIM service in one place (docs/adr/0018-input-limits.md):
 * the filter parser enforces the filter limits, the facade the request limits, and both are
 * documented in services/scim-facade/README.md and at /Schemas. Beyond a limit the answer is a
 * 400 (414/431/415 for URLs and encodings), never a 5xx.
 */
export const filterLimits = {
  /** Characters in one filter (or one PATCH path). Longer → 400 invalidFilter. */
  length: 2048,
  /** Attribute expressions (`userName eq "x"`, `title pr`, value filters) in one filter. More → 400 invalidFilter. */
  terms: 64,
  /** Nesting of parentheses, `not (…)` and `[…]` value filters. Deeper → 400 invalidFilter. */
  depth: 12,
} as const;

/**
 * The index of the first C0 control or DEL in `value`, or -1; characters in `allowed` are skipped.
 * A filter literal never carries one (400 invalidFilter); outside literals only whitespace may occur.
 */
export function controlCharacterAt(value: string, allowed = ""): number {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 || code === 0x7f) && !allowed.includes(value.charAt(i))) return i;
  }
  return -1;
}
