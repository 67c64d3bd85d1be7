import http2 from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  isMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { codeFromHttpStatus, errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { fromBinaryFast } from "@cosafe/proto/compiled-binary-reader";
import { toBinaryFast } from "@cosafe/proto/compiled-binary-writer";
import type { MessageCodec } from "@cosafe/proto/member-columns-wire";

/** What every call of this transport sends besides the caller's own headers. */
export interface UnaryHttp2Options {
  baseUrl: string;
  /** Per-call deadline when the caller gives none (ms); the server is told it too. */
  defaultTimeoutMs: number;
  /** Adds the headers computed per call (credential, request id) after the caller's. */
  callHeaders: (into: http2.OutgoingHttpHeaders) => void;
  /** Where server-streaming calls go; this transport only does unary calls. */
  streams: Transport;
  /** Hand-written binary codecs for some response types (member pages). */
  codecs?: readonly MessageCodec[];
}

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;
/** What callers may pass as headers (Fetch's HeadersInit). */
type HeaderInit = ConstructorParameters<typeof Headers>[0];
const protoContentType = "application/proto";

/** The caller's HeadersInit as a plain HTTP/2 header object (names lower case). */
function headerObject(init: HeaderInit, into: http2.OutgoingHttpHeaders): void {
  if (init === undefined) return;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      into[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const pair of init as [string, string][]) into[pair[0].toLowerCase()] = pair[1];
  } else {
    for (const name of Object.keys(init)) into[name.toLowerCase()] = (init as Record<string, string>)[name];
  }
}

/** A response's header and `trailer-` fields as Fetch Headers, built only if a caller asks. */
function splitHeaders(raw: http2.IncomingHttpHeaders): { header: Headers; trailer: Headers } {
  const header = new Headers();
  const trailer = new Headers();
  for (const name of Object.keys(raw)) {
    if (name.startsWith(":")) continue;
    const value = raw[name];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    for (const v of values) {
      if (name.startsWith("trailer-")) trailer.append(name.slice(8), v);
      else header.append(name, v);
    }
  }
  return { header, trailer };
}

/**
 * One HTTP/2 session to the server, opened on first use and replaced once it closes, fails
 * or is told to go away. The socket only keeps the process alive while a call is open.
 */
class SessionHolder {
  private session: http2.ClientHttp2Session | undefined;
  private open = 0;

  constructor(private readonly authority: string) {}

  acquire(): http2.ClientHttp2Session {
    let session = this.session;
    if (session === undefined || session.closed || session.destroyed) {
      session = http2.connect(this.authority);
      const forget = () => {
        if (this.session === session) this.session = undefined;
      };
      session.on("error", forget);
      session.on("close", forget);
      session.on("goaway", forget);
      this.session = session;
      this.open = 0;
    }
    if (this.open++ === 0) session.ref();
    return session;
  }

  release(session: http2.ClientHttp2Session): void {
    if (session !== this.session) return;
    if (--this.open === 0) session.unref();
  }
}

/**
 * A Connect-protocol (binary) unary client over one pooled HTTP/2 session — the wire format
 * connect-node's transport speaks, without its per-call machinery: no linked abort
 * controllers, no stream wrappers, no response compression (a loopback hop gains nothing
 * from gzip), Fetch `Headers` only when a caller reads them. Errors are connect's own
 * `ConnectError`s, decoded by connect's Connect-protocol helpers, so reasons and details
 * read exactly as before (docs/adr/0022-lean-unary-client.md).
 */
export function createUnaryHttp2Transport(options: UnaryHttp2Options): Transport {
  const url = new URL(options.baseUrl);
  const prefix = url.pathname.replace(/\/$/, "");
  const sessions = new SessionHolder(url.origin);
  const decoders = new Map((options.codecs ?? []).map((codec) => [codec.schema, codec.decode]));

  function call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeaderInit,
    input: MessageInitShape<I>,
  ): Promise<UnaryResponse<I, O>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(ConnectError.from(signal.reason, Code.Canceled));
        return;
      }
      const deadline =
        timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      const message = isMessage(input, method.input) ? input : create(method.input, input);
      const body = toBinaryFast(method.input, message as MessageShape<I>);
      const requestHeaders: http2.OutgoingHttpHeaders = {};
      headerObject(header, requestHeaders);
      options.callHeaders(requestHeaders);
      // The protocol's own fields last: a caller's header cannot change them.
      requestHeaders[":method"] = "POST";
      requestHeaders[":path"] = `${prefix}/${method.parent.typeName}/${method.name}`;
      requestHeaders["content-type"] = protoContentType;
      requestHeaders["connect-protocol-version"] = "1";
      if (deadline !== undefined) requestHeaders["connect-timeout-ms"] = String(deadline);

      let session: http2.ClientHttp2Session;
      try {
        session = sessions.acquire();
      } catch (error) {
        reject(ConnectError.from(error, Code.Unavailable));
        return;
      }
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(requestHeaders);
      } catch (error) {
        // A closing session or a header HTTP/2 forbids: nothing was sent.
        sessions.release(session);
        reject(ConnectError.from(error, Code.Unavailable));
        return;
      }
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: ConnectError | undefined, response?: UnaryResponse<I, O>) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        sessions.release(session);
        if (error) {
          if (!stream.closed) stream.close(NGHTTP2_CANCEL);
          reject(error);
        } else resolve(response as UnaryResponse<I, O>);
      };
      const onAbort = () => finish(ConnectError.from(signal?.reason, Code.Canceled));
      signal?.addEventListener("abort", onAbort, { once: true });
      if (deadline !== undefined)
        timer = setTimeout(
          () => finish(new ConnectError(`the call took longer than ${deadline} ms`, Code.DeadlineExceeded)),
          deadline,
        );

      let status = 0;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (raw) => {
        responseHeaders = raw;
        status = Number(raw[":status"]);
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error) => finish(ConnectError.from(error, Code.Unavailable)));
      stream.on("close", () => {
        if (settled) return;
        // No answer, or the server reset the stream part-way (a body cut short is no answer).
        if (status === 0 || stream.rstCode !== NGHTTP2_NO_ERROR) {
          finish(
            new ConnectError(
              `the stream closed without a complete response (code ${stream.rstCode})`,
              Code.Unavailable,
            ),
          );
          return;
        }
        const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        const encoding = responseHeaders["content-encoding"];
        if (encoding !== undefined && encoding !== "identity") {
          finish(new ConnectError(`unexpected response encoding "${encoding}"`, Code.Internal));
          return;
        }
        const contentType = String(responseHeaders["content-type"] ?? "");
        if (status !== 200) {
          const fallback = new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status));
          const json = contentType.startsWith("application/json");
          let error = fallback;
          try {
            if (json) error = errorFromJsonBytes(bytes, splitHeaders(responseHeaders).header, fallback);
          } catch {
            // Not a Connect error body (a proxy's page, a body cut short): the status says enough.
          }
          finish(error);
          return;
        }
        if (contentType !== protoContentType) {
          finish(new ConnectError(`unsupported content type ${contentType}`, Code.Internal));
          return;
        }
        let output: MessageShape<O>;
        try {
          const decode = decoders.get(method.output);
          output = decode ? (decode(bytes) as MessageShape<O>) : fromBinaryFast(method.output, bytes);
        } catch (error) {
          finish(ConnectError.from(error, Code.Internal));
          return;
        }
        let split: { header: Headers; trailer: Headers } | undefined;
        const headers = () => {
          split ??= splitHeaders(responseHeaders);
          return split;
        };
        finish(undefined, {
          stream: false,
          service: method.parent,
          method,
          message: output,
          get header() {
            return headers().header;
          },
          get trailer() {
            return headers().trailer;
          },
        });
      });
      stream.end(body);
    });
  }

  return {
    unary: call,
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      options.streams.stream(method, signal, timeoutMs, header, input, contextValues),
  };
}
