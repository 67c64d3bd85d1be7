import { attribute, type SchemaDefinition } from "./definitions.js";
import { GROUP_SCHEMA } from "./urns.js";

/**
 * The core Group schema (RFC 7643 §4.2). `displayName` is optional (R14: an IdP may omit it);
 * `members` holds users (and, per RFC, groups) by id.
 */
export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    attribute(
      "displayName",
      "string",
      "A human-readable name for the group. Unique per tenant among SCIM groups.",
      {
        stored: true,
      },
    ),
    attribute("members", "complex", "The members of the group.", {
      multiValued: true,
      stored: true,
      subAttributes: [
        attribute("value", "string", "The id of the member (case-exact, like every id).", {
          mutability: "immutable",
          caseExact: true,
          stored: true,
        }),
        attribute("$ref", "reference", "The URI of the member resource.", {
          mutability: "immutable",
          referenceTypes: ["User", "Group"],
          stored: true,
        }),
        attribute("display", "string", "A human-readable name of the member.", {
          mutability: "readOnly",
          stored: true,
        }),
        attribute("type", "string", "The type of the member.", {
          mutability: "immutable",
          canonicalValues: ["User", "Group"],
          stored: true,
        }),
      ],
    }),
  ],
};
