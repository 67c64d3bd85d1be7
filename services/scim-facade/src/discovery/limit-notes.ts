import { textLimitOf } from "@cosafe/proto/limits";
import { GROUP_SCHEMA, USER_SCHEMA } from "@cosafe/scim";
import { requestLimits, textLimitNote } from "../limits.js";

type Json = Record<string, unknown>;

/** The stored string attributes of each core schema, by SCIM path (externalId is a common attribute). */
const storedStrings: Record<string, readonly string[]> = {
  [USER_SCHEMA]: [
    "userName",
    "displayName",
    "title",
    "name.formatted",
    "name.givenName",
    "name.familyName",
    "emails.value",
    "emails.type",
    "phoneNumbers.value",
    "phoneNumbers.type",
  ],
  [GROUP_SCHEMA]: ["displayName"],
};

const { filter } = requestLimits;
const schemaNote = `Limits: ${textLimitNote} externalId: at most ${textLimitOf("externalId")} characters. Filters: at most ${filter.length} characters, ${filter.terms} attribute expressions and ${filter.depth} levels of nesting. JSON bodies: at most ${requestLimits.jsonDepth} levels deep, 1 MB (16 MB for Group PUT/PATCH).`;

/**
 * Adds Cosafe's input limits (docs/adr/0018) to a rendered /Schemas resource: each stored string
 * attribute's description ends with its length limit, and the schema description lists them all.
 */
export function withLimitNotes(schema: Json): Json {
  const fields = storedStrings[String(schema.id)];
  if (!fields) return schema;
  const annotate = (attributes: unknown, parent?: string): unknown =>
    Array.isArray(attributes)
      ? attributes.map((attribute: Json) => {
          const path = parent ? `${parent}.${attribute.name}` : String(attribute.name);
          const described = fields.includes(path)
            ? {
                ...attribute,
                description: `${attribute.description} At most ${textLimitOf(path)} characters, no control characters.`,
              }
            : attribute;
          return attribute.subAttributes
            ? { ...described, subAttributes: annotate(attribute.subAttributes, path) }
            : described;
        })
      : attributes;
  return {
    ...schema,
    description: `${schema.description}. ${schemaNote}`,
    attributes: annotate(schema.attributes),
  };
}
