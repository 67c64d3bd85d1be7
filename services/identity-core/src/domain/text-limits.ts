import { textProblem, textProblemMessage } from "@cosafe/proto/limits";
import { invalidArgument } from "./domain-error.js";
import type { UserFieldPath } from "./user/user-fields.js";
import type { UserInput } from "./user/user-input.js";

/** One stored string and the name a caller knows it by (SCIM's spelling: `name.givenName`, `emails.value`). */
type Text = [field: string, value: string | null | undefined];

/**
 * Refuses text identity-core would store but must not (docs/adr/0018-input-limits.md): longer than
 * its limit (256 for userName, externalId, displayName; 1,024 otherwise) or carrying a control
 * character. INVALID_ARGUMENT with reason TEXT_TOO_LONG / TEXT_CONTROL_CHARACTER and the field,
 * before anything is written or a seat taken.
 */
export function checkTexts(texts: readonly Text[]): void {
  for (const [field, value] of texts) {
    if (!value) continue;
    const problem = textProblem(field, value);
    if (problem) throw invalidArgument(problem, textProblemMessage(field, problem), { field });
  }
}

/** The stored strings of a user input, limited to the fields an update mask names (all when omitted). */
export function checkUserTexts(input: UserInput, fields?: ReadonlySet<UserFieldPath>): void {
  const has = (field: UserFieldPath) => fields === undefined || fields.has(field);
  const texts: Text[] = [];
  if (has("user_name")) texts.push(["userName", input.userName]);
  if (has("display_name")) texts.push(["displayName", input.displayName]);
  if (has("external_id")) texts.push(["externalId", input.externalId]);
  if (has("title")) texts.push(["title", input.title]);
  if (has("name"))
    texts.push(
      ["name.formatted", input.name.formatted],
      ["name.givenName", input.name.givenName],
      ["name.familyName", input.name.familyName],
    );
  if (has("emails"))
    for (const email of input.emails) texts.push(["emails.value", email.value], ["emails.type", email.type]);
  if (has("phone_numbers"))
    for (const phone of input.phoneNumbers)
      texts.push(["phoneNumbers.value", phone.value], ["phoneNumbers.type", phone.type]);
  if (has("locale")) texts.push(["locale", input.locale]);
  if (has("custom_attributes"))
    for (const [key, value] of Object.entries(input.customAttributes ?? {}))
      texts.push(["customAttributes", key], ["customAttributes", value]);
  checkTexts(texts);
}
