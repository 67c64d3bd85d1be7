import { attribute, type SchemaDefinition } from "./definitions.js";
import { ENTERPRISE_USER_SCHEMA } from "./urns.js";

/** The Enterprise User extension (RFC 7643 §4.3): accepted by Cosafe, not stored. */
export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    attribute("employeeNumber", "string", "Identifier assigned to the person by the organisation."),
    attribute("costCenter", "string", "Name of a cost center."),
    attribute("organization", "string", "Name of an organisation."),
    attribute("division", "string", "Name of a division."),
    attribute("department", "string", "Name of a department."),
    attribute("manager", "complex", "The user's manager.", {
      subAttributes: [
        attribute("value", "string", "The id of the manager's User resource."),
        attribute("$ref", "reference", "The URI of the manager's User resource.", {
          referenceTypes: ["User"],
        }),
        attribute("displayName", "string", "The manager's display name.", { mutability: "readOnly" }),
      ],
    }),
  ],
};
