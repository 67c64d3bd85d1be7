// google.rpc error details attached to gRPC errors.
export * from "./gen/google/rpc/error_details_pb.js";
