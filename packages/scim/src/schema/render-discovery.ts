import type { JsonObject } from "../internal/json.js";
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from "./definitions.js";
import { RESOURCE_TYPES } from "./resource-types.js";
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from "./urns.js";

/**
 * Which attributes discovery advertises. `stored` (default) lists only what Cosafe stores, so that
 * clients that write every advertised attribute and read it back (scim2-tester, Entra's schema
 * discoverability test) see a consistent server; `accepted` lists every attribute Cosafe accepts.
 */
export type Advertise = "stored" | "accepted";

export interface DiscoveryOptions {
  advertise?: Advertise;
  resourceTypes?: readonly ResourceTypeDefinition[];
}

const trim = (baseUrl: string) => baseUrl.replace(/\/+$/, "");

function renderAttribute(attribute: AttributeDefinition, advertise: Advertise): JsonObject {
  const rendered: JsonObject = {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
  };
  if (attribute.canonicalValues !== undefined) rendered.canonicalValues = [...attribute.canonicalValues];
  if (attribute.referenceTypes !== undefined) rendered.referenceTypes = [...attribute.referenceTypes];
  if (attribute.subAttributes !== undefined) {
    rendered.subAttributes = visible(attribute.subAttributes, advertise).map((sub) =>
      renderAttribute(sub, advertise),
    );
  }
  return rendered;
}

function visible(attributes: readonly AttributeDefinition[], advertise: Advertise): AttributeDefinition[] {
  return attributes.filter((attribute) => advertise === "accepted" || attribute.stored);
}

function advertisedSchemas(options: DiscoveryOptions): SchemaDefinition[] {
  const advertise = options.advertise ?? "stored";
  const schemas: SchemaDefinition[] = [];
  for (const type of options.resourceTypes ?? RESOURCE_TYPES) {
    for (const schema of [type.schema, ...type.extensions.map((extension) => extension.schema)]) {
      if (visible(schema.attributes, advertise).length === 0) continue;
      if (!schemas.some((known) => known.id === schema.id)) schemas.push(schema);
    }
  }
  return schemas;
}

/** One schema in its RFC 7643 §7 representation, `meta.location` under `baseUrl` (e.g. `https://host/scim/v2`). */
export function renderSchema(
  schema: SchemaDefinition,
  baseUrl: string,
  options: DiscoveryOptions = {},
): JsonObject {
  const advertise = options.advertise ?? "stored";
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: visible(schema.attributes, advertise).map((attribute) =>
      renderAttribute(attribute, advertise),
    ),
    meta: { resourceType: "Schema", location: `${trim(baseUrl)}/Schemas/${schema.id}` },
  };
}

/** The resources of `GET /Schemas` (wrap them with `buildListResponse`). */
export function renderSchemas(baseUrl: string, options: DiscoveryOptions = {}): JsonObject[] {
  return advertisedSchemas(options).map((schema) => renderSchema(schema, baseUrl, options));
}

/** One resource type in its RFC 7643 §6 representation. */
export function renderResourceType(
  type: ResourceTypeDefinition,
  baseUrl: string,
  options: DiscoveryOptions = {},
): JsonObject {
  const advertised = new Set(
    advertisedSchemas({ ...options, resourceTypes: [type] }).map((schema) => schema.id),
  );
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions
      .filter((extension) => advertised.has(extension.schema.id))
      .map((extension) => ({ schema: extension.schema.id, required: extension.required })),
    meta: { resourceType: "ResourceType", location: `${trim(baseUrl)}/ResourceTypes/${type.id}` },
  };
}

/** The resources of `GET /ResourceTypes` (wrap them with `buildListResponse`). */
export function renderResourceTypes(baseUrl: string, options: DiscoveryOptions = {}): JsonObject[] {
  return (options.resourceTypes ?? RESOURCE_TYPES).map((type) => renderResourceType(type, baseUrl, options));
}

/** What the facade supports, for `GET /ServiceProviderConfig`. */
export interface ServiceProviderCapabilities {
  documentationUri?: string;
  /** Largest page a list returns (`filter.maxResults`). */
  maxResults: number;
  sort: boolean;
  etag: boolean;
  /** Cursor pagination (RFC 9865) next to index pagination; page sizes as `maxResults`. */
  cursorPagination?: boolean;
  /** URL of the OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4), if offered. */
  oauthTokenEndpoint?: string;
  /** /Bulk (RFC 7644 §3.7) and its limits; absent: not supported. */
  bulk?: { maxOperations: number; maxPayloadSize: number };
}

/** `GET /ServiceProviderConfig` (RFC 7643 §5): PATCH and filtering supported, bulk as told, changePassword not. */
export function renderServiceProviderConfig(
  baseUrl: string,
  capabilities: ServiceProviderCapabilities,
): JsonObject {
  const config: JsonObject = {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: capabilities.bulk
      ? { supported: true, ...capabilities.bulk }
      : { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: capabilities.maxResults },
    changePassword: { supported: false },
    sort: { supported: capabilities.sort },
    etag: { supported: capabilities.etag },
    ...(capabilities.cursorPagination
      ? {
          pagination: {
            cursor: true,
            index: true,
            defaultPaginationMethod: "index",
            defaultPageSize: 100,
            maxPageSize: capabilities.maxResults,
          },
        }
      : {}),
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Bearer token",
        description: "Authentication with a per-tenant SCIM bearer token in the Authorization header.",
        primary: true,
      },
      ...(capabilities.oauthTokenEndpoint
        ? [
            {
              type: "oauthbearertoken",
              name: "OAuth 2.0 client credentials",
              description: `Short-lived bearer access tokens from the client-credentials grant at ${capabilities.oauthTokenEndpoint}, with a per-tenant client id and secret.`,
              specUri: "https://www.rfc-editor.org/rfc/rfc6749#section-4.4",
              primary: false,
            },
          ]
        : []),
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${trim(baseUrl)}/ServiceProviderConfig` },
  };
  if (capabilities.documentationUri !== undefined) config.documentationUri = capabilities.documentationUri;
  return config;
}
