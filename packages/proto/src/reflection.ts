// The standard gRPC server reflection protocol, both versions clients speak
// (vendored grpc.reflection.v1 and grpc.reflection.v1alpha).
export * as reflectionV1 from "./gen/grpc/reflection/v1/reflection_pb.js";
export * as reflectionV1alpha from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
