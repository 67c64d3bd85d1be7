/**
 * The `scimType` keywords of RFC 7644 §3.12, Table 9.
 */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"
  // RFC 9865 (cursor pagination).
  | "invalidCursor"
  | "expiredCursor";

/**
 * The one error type of the SCIM protocol layer: an HTTP status, an optional RFC 7644 `scimType`
 * keyword and a human-readable detail. Everything this package throws on bad input is a `ScimError`;
 * anything else escaping it is a bug.
 */
export class ScimError extends Error {
  override readonly name = "ScimError";
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }
}

/** True when `value` is a {@link ScimError} (also across module copies). */
export function isScimError(value: unknown): value is ScimError {
  return value instanceof ScimError;
}
