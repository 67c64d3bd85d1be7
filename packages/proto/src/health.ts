// The standard gRPC health-checking protocol (vendored grpc.health.v1).
export * from "./gen/grpc/health/v1/health_pb.js";
