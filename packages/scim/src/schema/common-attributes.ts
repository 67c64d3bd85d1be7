import { attribute } from "./definitions.js";

const meta = (name: string, type: "string" | "dateTime" | "reference", description: string) =>
  attribute(name, type, description, {
    mutability: "readOnly",
    caseExact: name !== "resourceType",
    stored: true,
  });

/** The attributes every resource has (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES = [
  attribute("id", "string", "Unique identifier of the resource, issued by Cosafe.", {
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
    stored: true,
  }),
  attribute("externalId", "string", "Identifier of the resource as defined by the provisioning client.", {
    caseExact: true,
    stored: true,
  }),
  attribute("meta", "complex", "Resource metadata.", {
    mutability: "readOnly",
    stored: true,
    subAttributes: [
      meta("resourceType", "string", "Name of the resource type."),
      meta("created", "dateTime", "When the resource was added."),
      meta("lastModified", "dateTime", "When the resource was last updated."),
      meta("location", "reference", "URI of the resource."),
      meta("version", "string", "Version (weak ETag) of the resource."),
    ],
  }),
] as const;
