import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/min";
import { invalidArgument } from "../domain-error.js";

/**
 * R2: phone numbers are kept exactly as sent, plus a normalised E.164 copy for alerting.
 * International numbers ("+46 8 123 456 78", or with the 00 prefix: "0046 8…") parse on
 * their own; national ones ("(555) 555-0100") need the tenant's default region. A number
 * of a possible length for its country gets an E.164 form; anything else has none (the
 * caller keeps it as sent and flags it).
 */
export function toE164(value: string, defaultRegion?: string | null): string | undefined {
  const text = value.trim();
  if (!text || text.length > 64) return undefined;
  // "00" is the international prefix of most of the world; libphonenumber only knows it per region.
  const international = /^00[1-9]/.test(text) ? `+${text.slice(2)}` : text;
  const region =
    defaultRegion && isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(international, region ? { defaultCountry: region } : {});
  return parsed?.isPossible() ? parsed.number : undefined;
}

/** A tenant's default phone region from an admin: ISO 3166-1 alpha-2, or "" for none. */
export function phoneRegionOf(value: string): string | null {
  const region = value.trim().toUpperCase();
  if (!region) return null;
  if (!/^[A-Z]{2}$/.test(region) || !isSupportedCountry(region)) {
    throw invalidArgument(
      "PHONE_REGION_INVALID",
      `default_phone_region must be an ISO 3166-1 alpha-2 region with a telephone numbering plan (e.g. US, SE), got "${value}"`,
      { field: "settings.default_phone_region" },
    );
  }
  return region;
}
