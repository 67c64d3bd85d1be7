export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** RFC 7644 §3.4.2 list response. `Resources` is always present (`[]` when empty), paging fields always set. */
export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

export interface ListResponseInput<T> {
  /** The resources of this page, already projected. */
  resources: readonly T[];
  /** Total number of matches across all pages; defaults to the page length. */
  totalResults?: number | undefined;
  /** 1-based index of the first resource of this page, as requested; values < 1 become 1 (RFC 7644 §3.4.2.4). */
  startIndex?: number | undefined;
}

/**
 * Builds a ListResponse. `itemsPerPage` is the number of resources on this page; `startIndex` is
 * normalised to an integer ≥ 1.
 */
export function buildListResponse<T>(input: ListResponseInput<T>): ListResponse<T> {
  const startIndex =
    input.startIndex === undefined || !Number.isFinite(input.startIndex) || input.startIndex < 1
      ? 1
      : Math.floor(input.startIndex);
  const resources = [...input.resources];
  const totalResults = input.totalResults ?? resources.length;
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
