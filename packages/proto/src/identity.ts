// Public surface of cosafe.identity.v1 (generated code lives in ./gen, made by `pnpm generate`).
export * from "./gen/cosafe/identity/v1/account_pb.js";
export * from "./gen/cosafe/identity/v1/account_service_pb.js";
export * from "./gen/cosafe/identity/v1/audit_event_pb.js";
export * from "./gen/cosafe/identity/v1/audit_service_pb.js";
export * from "./gen/cosafe/identity/v1/change_feed_service_pb.js";
export * from "./gen/cosafe/identity/v1/common_pb.js";
export * from "./gen/cosafe/identity/v1/group_pb.js";
export * from "./gen/cosafe/identity/v1/group_service_pb.js";
export * from "./gen/cosafe/identity/v1/provisioning_log_pb.js";
export * from "./gen/cosafe/identity/v1/provisioning_log_service_pb.js";
export * from "./gen/cosafe/identity/v1/scim_token_pb.js";
export * from "./gen/cosafe/identity/v1/scim_token_service_pb.js";
export * from "./gen/cosafe/identity/v1/seat_service_pb.js";
export * from "./gen/cosafe/identity/v1/tenant_pb.js";
export * from "./gen/cosafe/identity/v1/tenant_service_pb.js";
export * from "./gen/cosafe/identity/v1/user_pb.js";
export * from "./gen/cosafe/identity/v1/user_service_pb.js";
