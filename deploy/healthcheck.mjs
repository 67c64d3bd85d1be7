// Container health check for the Cosafe SCIM image (Docker HEALTHCHECK and compose). Plain
// JavaScript with no dependencies: it starts in well under 100 ms and needs no tsx.
// Kubernetes does not use it: it probes the same endpoints natively (grpc / httpGet).
//
//   identity-core, licensing: grpc.health.v1.Health/Check (service "") over h2c must answer
//                             SERVING, the same call the kubelet's grpc probe makes.
//   scim-facade:              GET /readyz must answer 200 (identity-core reachable).
//
// Exits 0 when healthy, 1 otherwise. Port variables are the services' own.
import http from "node:http";
import http2 from "node:http2";

const timeoutMs = 3000;
const service = process.env.SERVICE ?? "";

function done(healthy, message) {
  if (!healthy) console.error(`healthcheck ${service}: ${message}`);
  process.exit(healthy ? 0 : 1);
}

setTimeout(() => done(false, `no answer within ${timeoutMs} ms`), timeoutMs).unref();

/** Unary gRPC call with an empty HealthCheckRequest; SERVING is field 1 = 1, i.e. bytes 08 01. */
function checkGrpc(port) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", (error) => done(false, error.message));
  const request = session.request({
    ":method": "POST",
    ":path": "/grpc.health.v1.Health/Check",
    "content-type": "application/grpc",
    te: "trailers",
  });
  const chunks = [];
  let grpcStatus;
  request.on("response", (headers) => {
    grpcStatus = headers["grpc-status"]; // present here only in a trailers-only (error) answer
  });
  request.on("trailers", (trailers) => {
    grpcStatus = trailers["grpc-status"] ?? grpcStatus;
  });
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("error", (error) => done(false, error.message));
  request.on("end", () => {
    session.close();
    if (String(grpcStatus) !== "0") return done(false, `grpc-status ${grpcStatus}`);
    const frame = Buffer.concat(chunks);
    const message = frame.subarray(5, 5 + (frame.length >= 5 ? frame.readUInt32BE(1) : 0));
    const serving = message.length === 2 && message[0] === 0x08 && message[1] === 0x01;
    done(serving, `status bytes ${message.toString("hex") || "(empty: UNKNOWN)"}`);
  });
  request.end(Buffer.alloc(5)); // uncompressed frame, zero-length message
}

function checkHttp(port, path) {
  http
    .get({ host: "127.0.0.1", port, path }, (response) => {
      response.resume();
      done(response.statusCode === 200, `HTTP ${response.statusCode} from ${path}`);
    })
    .on("error", (error) => done(false, error.message));
}

switch (service) {
  case "identity-core":
    checkGrpc(process.env.IDENTITY_CORE_PORT || 50051);
    break;
  case "licensing":
    checkGrpc(process.env.LICENSING_PORT || 50052);
    break;
  case "scim-facade":
    checkHttp(process.env.SCIM_FACADE_PORT || 8080, "/readyz");
    break;
  default:
    done(false, "SERVICE must be identity-core, licensing or scim-facade");
}
