// Public surface of cosafe.licensing.v1.
export * from "./gen/cosafe/licensing/v1/license_pb.js";
export * from "./gen/cosafe/licensing/v1/license_service_pb.js";
