import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethod,
  type DescMethodUnary,
  type DescService,
  isMessage,
  type MessageShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { fromBinaryFast } from "@cosafe/proto/compiled-binary-reader";
import { toBinaryFast } from "@cosafe/proto/compiled-binary-writer";
import type { MessageCodec } from "@cosafe/proto/member-columns-wire";
import { LightHeaders } from "./light-headers.js";

type UnaryImpl = (input: unknown, context: HandlerContext) => unknown;

interface Route {
  service: DescService;
  method: DescMethodUnary<DescMessage, DescMessage>;
  impl: UnaryImpl;
}

const protoContentType = "application/proto";

/** Where the call's deadline (epoch ms) rides on the request through the interceptors. */
const deadlineKey = Symbol("deadline");

/** Largest request body this path reads (the same 4 MiB connect-node's default allows). */
const maxRequestBytes = 4 * 1024 * 1024;

/**
 * Serves unary calls of the Connect protocol (binary, `connect-protocol-version: 1`, no
 * compression) — what our own lean client sends (ADR 0022) — with the same service
 * implementations and the same interceptors as connect-node, without its per-call machinery:
 * no linked abort controllers aborted after every call, no stream wrappers. `handle` answers
 * false for anything else (gRPC, gRPC-Web, JSON, GET, compressed or streaming calls), which
 * connect-node then serves.
 */
export class UnaryHttp2Handler {
  private readonly routes = new Map<string, Route>();
  private readonly byMethod = new Map<DescMethod, Route>();
  private readonly chain: (req: UnaryRequest) => Promise<UnaryResponse>;
  private readonly encoders: ReadonlyMap<DescMessage, (message: never) => Uint8Array>;

  /** `codecs` write the responses of their message types by hand (e.g. member pages). */
  constructor(interceptors: readonly Interceptor[], codecs: readonly MessageCodec[] = []) {
    this.encoders = new Map(codecs.map((codec) => [codec.schema, codec.encode]));
    const call = (req: UnaryRequest) => this.invoke(req);
    this.chain = interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
      (next, interceptor) => interceptor(next as never) as never,
      call,
    );
  }

  /**
   * Wraps a routes callback: every service registered on the real router is also recorded here,
   * unary methods only.
   */
  recording(routes: (router: ConnectRouter) => void): (router: ConnectRouter) => void {
    return (router) => {
      const recorder = new Proxy(router, {
        get: (target, key, receiver) => {
          if (key !== "service") return Reflect.get(target, key, receiver);
          return (service: DescService, impl: Record<string, unknown>, options?: unknown) => {
            this.record(service, impl);
            return target.service(service as never, impl as never, options as never);
          };
        },
      });
      routes(recorder);
    };
  }

  private record(service: DescService, impl: Record<string, unknown>): void {
    for (const method of service.methods as DescMethod[]) {
      const fn = impl[method.localName];
      if (method.methodKind !== "unary" || typeof fn !== "function") continue;
      const route = {
        service,
        method: method as DescMethodUnary<DescMessage, DescMessage>,
        impl: fn.bind(impl) as UnaryImpl,
      };
      this.routes.set(`/${service.typeName}/${method.name}`, route);
      this.byMethod.set(method, route);
    }
  }

  /** Serves the request if it is a plain binary Connect unary call of a known method. */
  handle(req: Http2ServerRequest, res: Http2ServerResponse): boolean {
    const h = req.headers;
    if (req.method !== "POST" || h["content-type"] !== protoContentType) return false;
    if (h["connect-protocol-version"] !== "1") return false;
    const encoding = h["content-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    const route = this.routes.get(req.url);
    if (!route) return false;
    this.serve(route, req, res).catch((error: unknown) => {
      // serve answers every failure itself; this only runs if writing that answer failed.
      res.destroy(error instanceof Error ? error : undefined);
    });
    return true;
  }

  private async serve(route: Route, req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    // The call's signal is made only when something asks for it or aborts it: most calls end
    // without either, and an AbortSignal per call is measurable (docs/performance.md).
    let abort: AbortController | undefined;
    const signal = () => {
      abort ??= new AbortController();
      return abort.signal;
    };
    const cancel = (reason: ConnectError) => {
      abort ??= new AbortController();
      abort.abort(reason);
    };
    let timer: NodeJS.Timeout | undefined;
    // Not res.writableFinished: a stream the caller reset reads as finished.
    let answered = false;
    const onClose = () => {
      if (!answered) cancel(new ConnectError("the caller went away", Code.Canceled));
    };
    req.once("close", onClose);
    try {
      const timeout = Number(req.headers["connect-timeout-ms"] ?? Number.NaN);
      if (Number.isFinite(timeout) && timeout > 0)
        timer = setTimeout(
          () => cancel(new ConnectError("the deadline passed", Code.DeadlineExceeded)),
          timeout,
        );
      const deadline = Number.isFinite(timeout) && timeout > 0 ? Date.now() + timeout : undefined;
      const body = await readBody(req);
      let input: MessageShape<DescMessage>;
      try {
        input = fromBinaryFast(route.method.input, body);
      } catch (cause) {
        throw new ConnectError(
          "the request is not a valid message",
          Code.InvalidArgument,
          undefined,
          undefined,
          cause,
        );
      }
      const header = new LightHeaders();
      for (const name of Object.keys(req.headers)) {
        if (name.startsWith(":")) continue;
        const value = req.headers[name];
        if (typeof value === "string") header.set(name, value);
        else if (Array.isArray(value)) for (const v of value) header.append(name, v);
      }
      const response = await this.chain({
        stream: false,
        service: route.service,
        method: route.method,
        requestMethod: "POST",
        url: `http://${req.headers[":authority"] ?? "localhost"}${req.url}`,
        get signal() {
          return signal();
        },
        header,
        contextValues: createContextValues(),
        message: input,
        [deadlineKey]: deadline,
      } as UnaryRequest);
      const output = route.method.output;
      const encode = this.encoders.get(output);
      const bytes = encode
        ? encode(response.message as never)
        : toBinaryFast(output, response.message as MessageShape<DescMessage>);
      const out: Record<string, string | string[]> = { "content-type": protoContentType };
      copyHeaders(response.header, out, "");
      copyHeaders(response.trailer, out, "trailer-");
      answered = true;
      res.writeHead(200, out);
      res.end(bytes);
    } catch (error) {
      answered = true;
      const failure = ConnectError.from(error);
      const out: Record<string, string | string[]> = { "content-type": "application/json" };
      copyHeaders(failure.metadata, out, "");
      if (!res.headersSent) {
        res.writeHead(codeToHttpStatus(failure.code), out);
        res.end(errorToJsonBytes(failure, {}));
      } else res.end();
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      req.off("close", onClose);
    }
  }

  /** The innermost step of the chain: the service implementation, as connect-node calls it. */
  private async invoke(req: UnaryRequest): Promise<UnaryResponse> {
    const route = this.byMethod.get(req.method) as Route;
    const responseHeader = new LightHeaders();
    const responseTrailer = new LightHeaders();
    const context = {
      method: req.method,
      service: req.service,
      requestMethod: req.requestMethod,
      protocolName: "connect",
      url: req.url,
      peer: { addr: "" },
      get signal() {
        return req.signal;
      },
      timeoutMs: () => {
        const deadline = (req as { [deadlineKey]?: number })[deadlineKey];
        return deadline === undefined ? undefined : deadline - Date.now();
      },
      requestHeader: req.header,
      responseHeader,
      responseTrailer,
      values: req.contextValues,
    } as unknown as HandlerContext;
    const result = await route.impl(req.message, context);
    const output = route.method.output;
    const message = isMessage(result, output) ? result : create(output, result as never);
    return {
      stream: false,
      service: req.service,
      method: req.method,
      header: responseHeader,
      trailer: responseTrailer,
      message,
    } as UnaryResponse;
  }
}

function copyHeaders(from: Headers, into: Record<string, string | string[]>, prefix: string): void {
  from.forEach((value, name) => {
    into[prefix + name] = value;
  });
}

function readBody(req: Http2ServerRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxRequestBytes) {
        // Refused in Connect's error form (serve answers it); the rest of the body is dropped.
        tooLarge = true;
        chunks.length = 0;
        reject(new ConnectError(`request larger than ${maxRequestBytes} bytes`, Code.ResourceExhausted));
        return;
      }
      chunks.push(chunk);
    });
    // A caller that resets its stream ends the request without "end". The listener goes once
    // the body is read: every request closes, and an error built per call for nothing costs.
    const onClose = () => reject(new ConnectError("the caller went away", Code.Canceled));
    req.once("close", onClose);
    req.once("end", () => {
      req.off("close", onClose);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.once("error", (error) => reject(ConnectError.from(error, Code.Canceled)));
  });
}
