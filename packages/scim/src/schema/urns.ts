/** Schema URNs of RFC 7643 used by Cosafe. */
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
export const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
export const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * Schema URNs the path syntax knows, so that `urn:…:2.0:User.manager` (dotted, seen from some clients)
 * can be told apart from `urn:…:2.0` + `User.manager`. Longest first.
 */
export const KNOWN_SCHEMA_URNS: readonly string[] = [ENTERPRISE_USER_SCHEMA, USER_SCHEMA, GROUP_SCHEMA].sort(
  (a, b) => b.length - a.length,
);
