import type { ScimError, ScimType } from "./scim-error.js";

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The JSON body of an error response, RFC 7644 §3.12. `status` is a string, as the RFC requires. */
export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** Renders a {@link ScimError} as the RFC 7644 §3.12 error body. `scimType` is omitted when absent. */
export function toErrorBody(error: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(error.status), detail: error.detail };
  if (error.scimType !== undefined) body.scimType = error.scimType;
  return body;
}
