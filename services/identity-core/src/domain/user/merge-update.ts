import type { User } from "../../storage/entities.js";
import type { ResolvedMask } from "./update-mask.js";
import type { UserInput } from "./user-input.js";

type Item = { value: string; type?: string | undefined; primary?: boolean | undefined };

const key = (item: Item) => JSON.stringify([item.value, item.type ?? "", item.primary === true]);

/**
 * The stored list with this writer's change to it: the items it removed from `base` go, the
 * items it added come after the rest (each once). Items are compared by value, type and primary.
 */
function mergeList<T extends Item>(stored: readonly T[], base: readonly Item[], next: readonly T[]): T[] {
  const before = new Set(base.map(key));
  const after = new Set(next.map(key));
  const removed = new Set([...before].filter((k) => !after.has(k)));
  const kept = stored.filter((item) => !removed.has(key(item)));
  const present = new Set(kept.map(key));
  const added = next.filter((item) => !before.has(key(item)) && !present.has(key(item)));
  return [...kept, ...added];
}

/**
 * Issue 10: an update computed from a read (`base`, a SCIM PATCH's read-apply-write) is
 * merged onto the user as stored under its row lock, so concurrent writers to one user never
 * lose each other's changes and never need a precondition. Masked scalar fields are written
 * as sent (the writer changed them); of `name`, only the parts that differ from `base`; of
 * emails and phone numbers, only the items this writer removed or added.
 */
export function mergeOntoStored(
  user: User,
  input: UserInput,
  base: UserInput,
  mask: ResolvedMask,
): UserInput {
  const merged: UserInput = { ...input, name: { ...input.name } };
  if (mask.fields.has("name")) {
    const part = (
      next: string | null | undefined,
      was: string | null | undefined,
      stored: string | null | undefined,
    ) => ((next ?? "") === (was ?? "") ? (stored ?? undefined) : next);
    merged.name = {
      formatted: part(input.name.formatted, base.name.formatted, user.nameFormatted),
      givenName: part(input.name.givenName, base.name.givenName, user.nameGivenName),
      familyName: part(input.name.familyName, base.name.familyName, user.nameFamilyName),
    };
  }
  if (mask.fields.has("emails")) merged.emails = mergeList(user.emails, base.emails, input.emails);
  if (mask.fields.has("phone_numbers"))
    merged.phoneNumbers = mergeList(
      user.phoneNumbers.map(({ value, type, primary }) => ({
        value,
        ...(type ? { type } : {}),
        ...(primary ? { primary } : {}),
      })),
      base.phoneNumbers,
      input.phoneNumbers,
    );
  return merged;
}
