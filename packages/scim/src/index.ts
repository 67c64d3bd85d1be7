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
export { parseFilter } from "./filter/parse-filter.js";
export { printFilter, printFilterValue } from "./filter/print-filter.js";
export {
  buildListResponse,
  LIST_RESPONSE_SCHEMA,
  type ListResponse,
  type ListResponseInput,
} from "./messages/list-response.js";
export { type AttributeRef, printAttributeRef } from "./path/attribute-path.js";
export { parseAttributeList, parseSortBy, type ProjectionRef, type SchemaRef } from "./path/parse-attribute-list.js";
export { type AttributePath, parsePath, printPath } from "./path/parse-path.js";
