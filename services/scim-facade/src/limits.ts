import { textLimits } from "@cosafe/proto/limits";
import { filterLimits } from "@cosafe/scim";

/**
 * Every limit the SCIM facade applies, in one place (docs/adr/0018-input-limits.md; listed in
 * the README and at /Schemas). Beyond a limit the answer is a SCIM error, never a 5xx.
 */
export const requestLimits = {
  /** Characters of the request target (path and query). Longer → 414 (Node refuses headers over 16 KB with 431). */
  urlLength: 8192,
  /** Nesting of arrays and objects in a JSON body. Deeper → 400 invalidSyntax. */
  jsonDepth: 32,
  /** Largest page; a larger `count` is lowered to it (RFC 7644 §3.4.2.4). */
  maxPageSize: 1000,
  /** Largest `startIndex` honoured (int32); a larger one is lowered to it and returns an empty page. */
  maxStartIndex: 2_147_483_647,
  /** Body sizes (R25): 16 MB for Group PUT/PATCH, 1 MB elsewhere → 413 above. */
  body: { groupWrite: "16mb", other: "1mb" },
  /**
   * /Bulk (RFC 7644 §3.7), advertised at /ServiceProviderConfig: more operations → 413, a larger
   * body (bytes) → 413; each operation is then as limited as the single request it stands for.
   */
  bulk: { maxOperations: 1000, maxPayloadSize: 1_048_576 },
  /** Stored strings (identity-core enforces the same figures): 256 or 1,024 characters. */
  text: textLimits,
  /** Filters (the @cosafe/scim parser enforces them): 400 invalidFilter. */
  filter: filterLimits,
} as const;

/** The one line /Schemas and the README use to state the text limits. */
export const textLimitNote = `At most ${textLimits.short} characters for userName, externalId and displayName, ${textLimits.long} for every other string; no control characters (U+0000–U+001F, U+007F).`;
