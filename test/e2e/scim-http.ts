import { expect } from "vitest";

/** What every SCIM response with a body declares (RFC 7644 §3.1). */
export const scimContentType = "application/scim+json; charset=utf-8";

export type Json = Record<string, unknown>;

export interface ScimRequest {
  method?: string;
  /** Path below the SCIM base URL, query included (already encoded), e.g. `/Users?count=0`. */
  path: string;
  /** A JSON value to send, or a string sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the default bearer token; `null` sends no Authorization header. */
  token?: string | null;
  /** 501 is the RFC's answer for /Me: the one 5xx a test may expect. */
  allowNotImplemented?: boolean;
}

export interface ScimResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary SCIM JSON; vitest checks the values.
  body: any;
  text: string;
}

/**
 * A SCIM client for the suites. Every call asserts what holds for every answer of the
 * facade: never a 5xx (issue 6 acceptance: no request in the suites gets one), and a body,
 * when there is one, is SCIM JSON.
 */
export class ScimHttp {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** The same client with another tenant's token. */
  as(token: string): ScimHttp {
    return new ScimHttp(this.baseUrl, token);
  }

  async request(req: ScimRequest): Promise<ScimResponse> {
    const method = req.method ?? "GET";
    const headers = new Headers(req.headers);
    const token = req.token === undefined ? this.token : req.token;
    if (token !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/scim+json");
    }
    const res = await fetch(`${this.baseUrl}${req.path}`, { method, headers, body });
    const text = await res.text();
    const where = `${method} ${req.path} → ${res.status} ${text.slice(0, 500)}`;
    if (!(req.allowNotImplemented && res.status === 501))
      expect(res.status, `no 5xx: ${where}`).toBeLessThan(500);
    let parsed: unknown;
    if (text !== "") {
      expect(res.headers.get("content-type"), `SCIM content type: ${where}`).toBe(scimContentType);
      parsed = JSON.parse(text);
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(path: string, init: Omit<ScimRequest, "path" | "method"> = {}) {
    return this.request({ ...init, path, method: "GET" });
  }
  post(path: string, body: unknown, init: Omit<ScimRequest, "path" | "method" | "body"> = {}) {
    return this.request({ ...init, path, method: "POST", body });
  }
  put(path: string, body: unknown, init: Omit<ScimRequest, "path" | "method" | "body"> = {}) {
    return this.request({ ...init, path, method: "PUT", body });
  }
  patch(path: string, body: unknown, init: Omit<ScimRequest, "path" | "method" | "body"> = {}) {
    return this.request({ ...init, path, method: "PATCH", body });
  }
  delete(path: string, init: Omit<ScimRequest, "path" | "method"> = {}) {
    return this.request({ ...init, path, method: "DELETE" });
  }

  /** GET with a filter (and more query parameters), encoded. */
  filter(resource: "Users" | "Groups", filter: string, extra: Record<string, string> = {}) {
    const query = new URLSearchParams({ filter, ...extra });
    return this.get(`/${resource}?${query.toString().replace(/\+/g, "%20")}`);
  }

  /** POST that must succeed with 201; returns the created resource. */
  async create(resource: "Users" | "Groups", body: Json): Promise<Json & { id: string }> {
    const res = await this.post(`/${resource}`, body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  /** GET by id that must succeed; returns the stored resource. */
  async read(resource: "Users" | "Groups", id: string, query = ""): Promise<Json & { id: string }> {
    const res = await this.get(`/${resource}/${id}${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  }
}

export const patchOp = (...operations: Json[]) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations: operations,
});

export const userSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
export const groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";

let counter = 0;
/** A userName unique within a run, readable in failures. */
export const uniqueName = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}@e2e.example`;

/** A minimal SCIM user body. */
export const userBody = (userName: string, extra: Json = {}): Json => ({
  schemas: [userSchema],
  userName,
  name: { givenName: "Test", familyName: "User" },
  ...extra,
});
