export { ERROR_SCHEMA, type ScimErrorBody, toErrorBody } from "./errors/error-body.js";
export { isScimError, ScimError, type ScimType } from "./errors/scim-error.js";
export type {
  CompareFilter,
  CompareOperator,
  Filter,
  FilterValue,
  FilterValueType,
  LogicalFilter,
  NotFilter,
  PresentFilter,
  ValuePathFilter,
} from "./filter/ast.js";
export { matchesFilter } from "./filter/evaluate-filter.js";
export { parseFilter } from "./filter/parse-filter.js";
export { printFilter, printFilterValue } from "./filter/print-filter.js";
export { controlCharacterAt, filterLimits } from "./limits.js";
export {
  buildListResponse,
  LIST_RESPONSE_SCHEMA,
  type ListResponse,
  type ListResponseInput,
} from "./messages/list-response.js";
export { applyPatch, type PatchResult } from "./patch/apply-patch.js";
export { type PatchOperation, type PatchOpName, parsePatchOperations } from "./patch/patch-operation.js";
export {
  type GroupPatchPlan,
  type MemberChanges,
  type PlanOptions,
  planGroupPatch,
} from "./patch/plan-group-patch.js";
export { type AttributeRef, printAttributeRef } from "./path/attribute-path.js";
export {
  type ProjectionRef,
  parseAttributeList,
  parseSortBy,
  type SchemaRef,
} from "./path/parse-attribute-list.js";
export { type AttributePath, parsePath, printPath } from "./path/parse-path.js";
export {
  isAttributeRequested,
  isDefaultProjection,
  type ProjectionParams,
  projectResource,
} from "./projection/project-resource.js";
export type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  ResourceTypeDefinition,
  Returned,
  SchemaDefinition,
  SchemaExtension,
  Uniqueness,
} from "./schema/definitions.js";
export { ENTERPRISE_USER_SCHEMA_DEFINITION } from "./schema/enterprise-user-schema.js";
export { GROUP_SCHEMA_DEFINITION } from "./schema/group-schema.js";
export {
  type Advertise,
  type DiscoveryOptions,
  renderResourceType,
  renderResourceTypes,
  renderSchema,
  renderSchemas,
  renderServiceProviderConfig,
  type ServiceProviderCapabilities,
} from "./schema/render-discovery.js";
export { canonicalName, type ResolvedAttribute, resolveAttribute } from "./schema/resolve-attribute.js";
export { GROUP_RESOURCE_TYPE, RESOURCE_TYPES, USER_RESOURCE_TYPE } from "./schema/resource-types.js";
export {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  PATCH_OP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from "./schema/urns.js";
export { USER_SCHEMA_DEFINITION } from "./schema/user-schema.js";
export {
  listIgnoredAttributes,
  type ValidatedResource,
  validateResource,
} from "./schema/validate-resource.js";
