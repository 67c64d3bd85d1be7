import type { StoredEmail } from "../../storage/entities.js";
import type { NameParts } from "./display-name.js";

/** A user's attributes as a caller sends them, before rules derive and normalise. */
export interface UserInput {
  userName: string;
  displayName?: string;
  externalId?: string;
  title?: string;
  /** Absent means true on create. */
  active?: boolean;
  name: NameParts;
  emails: StoredEmail[];
  phoneNumbers: { value: string; type?: string; primary?: boolean }[];
  locale?: string;
  role?: "MEMBER" | "ADMIN";
  customAttributes?: Record<string, string>;
}
