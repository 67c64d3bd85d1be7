export interface NameParts {
  formatted?: string | null | undefined;
  givenName?: string | null | undefined;
  familyName?: string | null | undefined;
}

/**
 * R1: Cosafe needs a display name, but Entra's create request carries none. Derive it
 * from name.formatted, else givenName + familyName, else userName; say how, for the
 * provisioning log.
 */
export function deriveDisplayName(
  displayName: string | undefined,
  name: NameParts,
  userName: string,
): { displayName: string; notice?: string } {
  const given = displayName?.trim();
  if (given) return { displayName: given };
  const formatted = name.formatted?.trim();
  if (formatted) return { displayName: formatted, notice: "displayName absent: derived from name.formatted" };
  const parts = [name.givenName?.trim(), name.familyName?.trim()].filter(Boolean).join(" ");
  if (parts)
    return {
      displayName: parts,
      notice: "displayName absent: derived from name.givenName and name.familyName",
    };
  return { displayName: userName, notice: "displayName absent: derived from userName" };
}
