import { type AttributeDefinition, attribute, type SchemaDefinition } from "./definitions.js";
import { USER_SCHEMA } from "./urns.js";

const TYPE_VALUES = {
  emails: ["work", "home", "other"],
  phoneNumbers: ["work", "home", "mobile", "fax", "pager", "other"],
  ims: ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
  photos: ["photo", "thumbnail"],
  addresses: ["work", "home", "other"],
} as const;

/** A multi-valued complex attribute with `value`, `display`, `type`, `primary` (RFC 7643 §2.4). */
function multiValued(
  name: keyof typeof TYPE_VALUES | "entitlements" | "roles" | "x509Certificates",
  description: string,
  stored: readonly string[] = [],
  valueType: "string" | "reference" | "binary" = "string",
): AttributeDefinition {
  const canonicalValues = name in TYPE_VALUES ? TYPE_VALUES[name as keyof typeof TYPE_VALUES] : undefined;
  const sub = (n: string, a: AttributeDefinition) => ({ ...a, stored: stored.includes(n) });
  return attribute(name, "complex", description, {
    multiValued: true,
    stored: stored.length > 0,
    subAttributes: [
      sub("value", attribute("value", valueType, `The value of the ${name} entry.`)),
      sub("display", attribute("display", "string", "A human-readable name, primarily used for display.")),
      sub(
        "type",
        attribute("type", "string", "A label indicating the attribute's function.", {
          ...(canonicalValues === undefined ? {} : { canonicalValues }),
        }),
      ),
      sub("primary", attribute("primary", "boolean", "Indicates the primary or preferred value.")),
    ],
  });
}

const nameParts: [string, string, boolean][] = [
  ["formatted", "The full name, formatted for display.", true],
  ["familyName", "The family name (last name).", true],
  ["givenName", "The given name (first name).", true],
  ["middleName", "The middle name(s).", false],
  ["honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'.", false],
  ["honorificSuffix", "The honorific suffix(es), e.g. 'III'.", false],
];

const address = (name: string, description: string) => attribute(name, "string", description);

/**
 * The core User schema (RFC 7643 §4.1) as Cosafe uses it: R2's synchronised attributes are `stored`;
 * everything else is accepted and ignored.
 */
export const USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    attribute("userName", "string", "Unique identifier for the user, used to sign in. Unique per tenant.", {
      required: true,
      uniqueness: "server",
      stored: true,
    }),
    attribute("name", "complex", "The components of the user's name.", {
      stored: true,
      subAttributes: nameParts.map(([n, d, stored]) => attribute(n, "string", d, { stored })),
    }),
    attribute("displayName", "string", "The name of the user, suitable for display.", { stored: true }),
    attribute("nickName", "string", "The casual way to address the user."),
    attribute("profileUrl", "reference", "A URI of the user's online profile.", {
      referenceTypes: ["external"],
    }),
    attribute("title", "string", "The user's job title.", { stored: true }),
    attribute("userType", "string", "The relationship between the organisation and the user."),
    attribute("preferredLanguage", "string", "The user's preferred written or spoken language."),
    attribute("locale", "string", "The user's default location, for localisation."),
    attribute("timezone", "string", "The user's time zone (IANA)."),
    attribute("active", "boolean", "The user's administrative status.", { stored: true }),
    attribute("password", "string", "The user's clear-text password. Never returned; not stored by Cosafe.", {
      mutability: "writeOnly",
      returned: "never",
    }),
    multiValued("emails", "Email addresses of the user.", ["value", "type", "primary"]),
    multiValued("phoneNumbers", "Phone numbers of the user, returned exactly as sent.", [
      "value",
      "type",
      "primary",
    ]),
    multiValued("ims", "Instant messaging addresses of the user."),
    multiValued("photos", "URLs of photos of the user.", [], "reference"),
    attribute("addresses", "complex", "Physical mailing addresses of the user.", {
      multiValued: true,
      subAttributes: [
        address("formatted", "The full mailing address."),
        address("streetAddress", "The full street address."),
        address("locality", "The city or locality."),
        address("region", "The state or region."),
        address("postalCode", "The zip code or postal code."),
        address("country", "The country name (ISO 3166-1 alpha-2)."),
        attribute("type", "string", "A label indicating the address's function.", {
          canonicalValues: TYPE_VALUES.addresses,
        }),
        attribute("primary", "boolean", "Indicates the primary address."),
      ],
    }),
    attribute("groups", "complex", "The groups the user belongs to. Managed through the Group resource.", {
      multiValued: true,
      mutability: "readOnly",
      subAttributes: [
        attribute("value", "string", "The id of the group.", { mutability: "readOnly" }),
        attribute("$ref", "reference", "The URI of the group.", {
          mutability: "readOnly",
          referenceTypes: ["Group"],
        }),
        attribute("display", "string", "The name of the group.", { mutability: "readOnly" }),
        attribute("type", "string", "Direct or indirect membership.", {
          mutability: "readOnly",
          canonicalValues: ["direct", "indirect"],
        }),
      ],
    }),
    multiValued("entitlements", "Entitlements of the user."),
    multiValued("roles", "Roles of the user."),
    multiValued("x509Certificates", "X.509 certificates of the user.", [], "binary"),
  ],
};
