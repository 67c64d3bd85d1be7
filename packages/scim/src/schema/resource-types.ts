import { COMMON_ATTRIBUTES } from "./common-attributes.js";
import type { ResourceTypeDefinition } from "./definitions.js";
import { ENTERPRISE_USER_SCHEMA_DEFINITION } from "./enterprise-user-schema.js";
import { GROUP_SCHEMA_DEFINITION } from "./group-schema.js";
import { USER_SCHEMA_DEFINITION } from "./user-schema.js";

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: "User",
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  common: COMMON_ATTRIBUTES,
  schema: USER_SCHEMA_DEFINITION,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA_DEFINITION, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: "Group",
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  common: COMMON_ATTRIBUTES,
  schema: GROUP_SCHEMA_DEFINITION,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];
