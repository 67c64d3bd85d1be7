import { textProblem, textProblemMessage } from "@cosafe/proto/limits";
import { ScimError } from "@cosafe/scim";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The stored strings of a validated User or Group resource, by their SCIM names. */
function* storedTexts(resource: Json): Generator<[string, unknown]> {
  for (const field of ["userName", "displayName", "externalId", "title"]) yield [field, resource[field]];
  if (isObject(resource.name))
    for (const part of ["formatted", "givenName", "familyName"]) yield [`name.${part}`, resource.name[part]];
  for (const attribute of ["emails", "phoneNumbers"]) {
    const items = resource[attribute];
    if (!Array.isArray(items)) continue;
    for (const item of items.filter(isObject)) {
      yield [`${attribute}.value`, item.value];
      yield [`${attribute}.type`, item.type];
    }
  }
}

/**
 * The early check of the stored-text limits identity-core enforces too (docs/adr/0018): 400
 * invalidValue naming the attribute, before any call, so nothing is half-done.
 */
export function checkStoredTexts(resource: Json): void {
  for (const [field, value] of storedTexts(resource)) {
    if (typeof value !== "string") continue;
    const problem = textProblem(field, value);
    if (problem) throw new ScimError(400, "invalidValue", textProblemMessage(field, problem));
  }
}
