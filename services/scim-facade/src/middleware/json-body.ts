import type { IncomingMessage } from "node:http";
import { ScimError } from "@cosafe/scim";

/** The media types of SCIM bodies (RFC 7644 §3.1): requireJsonBody refuses others on writes. */
export const jsonMediaTypes: ReadonlySet<string> = new Set(["application/scim+json", "application/json"]);

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return "";
  const semicolon = contentType.indexOf(";");
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

// RFC 8259 whitespace, then an object or an array: a bare string or number is not a SCIM body.
const objectOrArray = /^[ \t\n\r]*[[{]/;

const invalidJson = () => new ScimError(400, "invalidSyntax", "request body is not valid JSON");

/**
 * Reads and parses a JSON request body of at most `limit` bytes: `{}` when the request has
 * no JSON body (no body, or another media type on a read). Larger → `tooLarge()` (413), cut
 * short or not JSON → 400 invalidSyntax. Keys that could reach an object's prototype are
 * refused by checkJsonBody's walk, as the body parser this replaces refused them.
 */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => ScimError,
): Promise<unknown> {
  const declared = req.headers["content-length"];
  const hasBody =
    (declared !== undefined && declared !== "0") || req.headers["transfer-encoding"] !== undefined;
  if (!hasBody || !jsonMediaTypes.has(mediaTypeOf(req.headers["content-type"]))) return Promise.resolve({});
  const expected = declared === undefined ? undefined : Number(declared);
  if (expected !== undefined && expected > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: ScimError) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      if (error) {
        // The rest of the body is not read: drop it rather than hold the socket back.
        req.resume();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      if (expected !== undefined && size !== expected) return reject(invalidJson());
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8");
      if (text === "") return resolve({});
      if (!objectOrArray.test(text)) return reject(invalidJson());
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(invalidJson());
      }
    };
    const onError = () => finish(invalidJson());
    const onAborted = () => finish(invalidJson());
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}
