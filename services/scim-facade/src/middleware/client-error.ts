import type { Socket } from "node:net";
import type { Logger } from "@cosafe/logging";
import { ERROR_SCHEMA } from "@cosafe/scim";
import { scimContentType } from "./scim-content-type.js";

/** Node's HTTP parser refusals the facade answers itself, with a SCIM error body instead of a bare status. */
const answers: Record<string, { status: number; reason: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    detail:
      "the request line and headers are larger than 16 KB; send a shorter URL (filter) or fewer headers",
  },
  HPE_URI_TOO_LONG: { status: 414, reason: "URI Too Long", detail: "the request URL is too long" },
};

/**
 * The http server's `clientError` handler: a request Node refuses before Koa sees it (a URL or
 * headers over `maxHeaderSize`, malformed HTTP) still gets an RFC 7644 §3.12 body and closes.
 */
export function answerClientError(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (!socket.writable || (error as { code?: string }).code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const answer = answers[error.code ?? ""] ?? {
      status: 400,
      reason: "Bad Request",
      detail: "the request is not valid HTTP/1.1",
    };
    logger.warn({ code: error.code, status: answer.status }, "refused a malformed HTTP request");
    const body = JSON.stringify({
      schemas: [ERROR_SCHEMA],
      status: String(answer.status),
      detail: answer.detail,
    });
    socket.end(
      [
        `HTTP/1.1 ${answer.status} ${answer.reason}`,
        `Content-Type: ${scimContentType}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        "Connection: close",
        "",
        body,
      ].join("\r\n"),
    );
  };
}
