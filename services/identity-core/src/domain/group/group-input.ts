/** A group's attributes as a caller sends them. */
export interface GroupInput {
  displayName?: string | undefined;
  externalId?: string | undefined;
  accountId?: string | undefined;
}

/** Fields an update may name (the update mask). */
export type GroupField = "display_name" | "external_id";
