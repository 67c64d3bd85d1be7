import {
  buildListResponse,
  type ProjectionParams,
  projectResource,
  type ResourceTypeDefinition,
  validateResource,
} from "@cosafe/scim";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { ProvisioningNote, ScimState } from "../scim-state.js";
import { ifMatchVersion, notModified, weakEtag } from "./etag.js";
import { type ListParams, listParams, projectionParams } from "./list-params.js";
import { respond } from "./respond.js";
import { checkStoredTexts } from "./text-limits.js";

type Json = Record<string, unknown>;
type ScimContext = Context & { state: ScimState; params: Record<string, string> };

/** What every resource the adapter serves carries: its id and identity-core's version. */
export interface Versioned {
  id: string;
  etag: string;
}

/** One SCIM request as a resource handler sees it: already authenticated, decoded and noted. */
export interface ResourceCall<R> {
  tenantId: string;
  /** Call options for identity-core: the SCIM actor of this request (R21b). */
  options: { headers: Record<string, string> };
  /** The version `If-Match` names, or undefined when absent or `*`. */
  ifMatch: string | undefined;
  /** `attributes` / `excludedAttributes` of the response. */
  projection: ProjectionParams;
  /** False when the response carries no resource (a group PATCH answered 204): load nothing for it. */
  answersWithResource: boolean;
  /** The request body as parsed JSON, for what validation normalises away (a PUT's `"members": []`). */
  body: unknown;
  /** Tells the provisioning log (R20) which resource the request is about, as soon as it is known. */
  seen(resource: R): void;
  /** Attributes accepted but not stored (R2), for the provisioning log. */
  ignored(attributes: string[]): void;
  /** Extra explanation for the provisioning log (derived values, normalisation notices). */
  explain(detail: string): void;
}

/** A resource after a write, with what identity-core noticed about it. */
export interface Written<R> {
  resource: R;
  notices?: readonly string[];
}

/**
 * What one SCIM resource type supplies: its names, its mapping to SCIM and its identity-core
 * calls. Everything else — decoding and validation, If-Match and If-None-Match, projection,
 * list responses, status codes, headers and the provisioning-log note — is the adapter's.
 */
export interface ResourceHandler<R extends Versioned> {
  /** The endpoint below the SCIM base (`Users`) and the resource type (`User`). */
  endpoint: "Users" | "Groups";
  resourceType: NonNullable<ProvisioningNote["resourceType"]>;
  type: ResourceTypeDefinition;
  /** A PATCH answers 204 unless the client asks for attributes (RFC 7644 §3.5.2). */
  patchAnswersNoContent: boolean;
  /** What the provisioning log records of a resource beyond its id. */
  noteOf(resource: R): Pick<ProvisioningNote, "userName" | "externalId">;
  /** What the provisioning log records of a create before it is stored (a user's userName). */
  noteOfInput?(input: Json): Pick<ProvisioningNote, "userName">;
  get(call: ResourceCall<R>, id: string): Promise<R>;
  /** A page; with cursor pagination (`params.cursor`) also the next page's cursor ("" on the last). */
  list(
    call: ResourceCall<R>,
    params: ListParams,
  ): Promise<{ resources: R[]; total: number; nextCursor?: string | undefined }>;
  create(call: ResourceCall<R>, input: Json): Promise<Written<R>>;
  replace(call: ResourceCall<R>, id: string, input: Json): Promise<Written<R>>;
  /** Applies a PATCH body; answers the resource as it is now. */
  patch(call: ResourceCall<R>, id: string): Promise<Written<R>>;
  delete(call: ResourceCall<R>, id: string): Promise<void>;
  /** The SCIM JSON of resources (a whole page at once, so related data loads in one go), before projection. */
  render(call: ResourceCall<R>, resources: readonly R[]): Promise<Json[]>;
  /**
   * A GET's response body, projected, when the handler writes it more cheaply than `render`
   * and projection would (a group's 10,000 members); undefined takes the general way.
   */
  renderBody?(call: ResourceCall<R>, resource: R): Promise<Buffer | undefined>;
}

/** One write as the adapter runs it: a SCIM request of its own, or one operation of a /Bulk request. */
export interface WriteRequest {
  /** Tenant, actor and the provisioning-log note to fill (R20); a request's `ctx.state`. */
  state: Pick<ScimState, "tenantId" | "actor" | "callHeaders" | "note">;
  /** The version `If-Match` (or a bulk operation's `version`) names; read only by writes that take one. */
  ifMatch(): string | undefined;
  /** `attributes` / `excludedAttributes` of the response. */
  projection: ProjectionParams;
  /** The request body (a bulk operation's `data`). */
  body: unknown;
}

/** What a write answers: status, and for a resource its SCIM JSON, location and version. */
export interface WriteOutcome {
  status: number;
  resource?: Json;
  location?: string;
  etag?: string;
}

/** The writes of one resource type (RFC 7644 §3.3, §3.5, §3.6), free of HTTP, so /Bulk runs the same code. */
export interface ResourceWrites {
  endpoint: "Users" | "Groups";
  create(request: WriteRequest): Promise<WriteOutcome>;
  replace(request: WriteRequest, id: string): Promise<WriteOutcome>;
  patch(request: WriteRequest, id: string): Promise<WriteOutcome>;
  delete(request: WriteRequest, id: string): Promise<WriteOutcome>;
}

function callOf<R extends Versioned>(
  handler: ResourceHandler<R>,
  request: WriteRequest,
  answersWithResource = true,
): ResourceCall<R> {
  const { state } = request;
  return {
    tenantId: state.tenantId,
    options: { headers: state.callHeaders },
    // Read only by the operations that take a version, as each route did before the adapter.
    get ifMatch() {
      return request.ifMatch();
    },
    projection: request.projection,
    answersWithResource,
    body: request.body,
    seen(resource) {
      Object.assign(state.note, {
        resourceType: handler.resourceType,
        resourceId: resource.id,
        ...withoutEmpty(handler.noteOf(resource)),
      });
    },
    ignored(attributes) {
      state.note.ignoredAttributes = attributes;
    },
    explain(detail) {
      state.note.detail = detail;
    },
  };
}

/**
 * The writes of a {@link ResourceHandler}: validation, text limits, the identity-core calls,
 * projection and the provisioning-log note. Used by the routes below and by /Bulk.
 */
export function resourceWrites<R extends Versioned>(
  handler: ResourceHandler<R>,
  deps: { baseUrl: string },
): ResourceWrites {
  const location = (id: string) => `${deps.baseUrl}/${handler.endpoint}/${id}`;
  const start = (request: WriteRequest, extra: ProvisioningNote = {}) => {
    request.state.note = { resourceType: handler.resourceType, ...extra };
  };

  async function answer(call: ResourceCall<R>, status: number, outcome: Written<R>): Promise<WriteOutcome> {
    const resource = outcome.resource;
    call.seen(resource);
    if (outcome.notices && outcome.notices.length > 0) call.explain(outcome.notices.join("; "));
    const [json] = await handler.render(call, [resource]);
    return {
      status,
      resource: projectResource(json ?? {}, handler.type, call.projection),
      location: location(resource.id),
      etag: weakEtag(resource.etag),
    };
  }

  return {
    endpoint: handler.endpoint,
    async create(request) {
      const { resource: input, ignoredAttributes } = validateResource(request.body, handler.type);
      checkStoredTexts(input);
      start(request, { ignoredAttributes, ...handler.noteOfInput?.(input) });
      const call = callOf(handler, request);
      return answer(call, 201, await handler.create(call, input));
    },
    async replace(request, id) {
      const { resource: input, ignoredAttributes } = validateResource(request.body, handler.type);
      checkStoredTexts(input);
      start(request, { resourceId: id, ignoredAttributes });
      const call = callOf(handler, request);
      return answer(call, 200, await handler.replace(call, id, input));
    },
    async patch(request, id) {
      start(request, { resourceId: id });
      const { projection } = request;
      const asked = projection.attributes !== undefined || projection.excludedAttributes !== undefined;
      const call = callOf(handler, request, asked || !handler.patchAnswersNoContent);
      const patched = await handler.patch(call, id);
      if (call.answersWithResource) return answer(call, 200, patched);
      call.seen(patched.resource);
      if (patched.notices && patched.notices.length > 0) call.explain(patched.notices.join("; "));
      return {
        status: 204,
        location: location(patched.resource.id),
        etag: weakEtag(patched.resource.etag),
      };
    },
    async delete(request, id) {
      start(request, { resourceId: id });
      await handler.delete(callOf(handler, request, false), id);
      return { status: 204 };
    },
  };
}

/**
 * Mounts a resource type's endpoints (RFC 7644 §3): POST, GET list and /.search, GET by id,
 * PUT, PATCH and DELETE, all built from one {@link ResourceHandler}. The idea is zitadel's
 * SCIM resource handler adapter: the protocol lives here once, the resource supplies mapping
 * and calls.
 */
export function mountResource<R extends Versioned>(
  router: Router<ScimState>,
  handler: ResourceHandler<R>,
  deps: { baseUrl: string },
): void {
  const collection = `/${handler.endpoint}`;
  const item = `${collection}/:id`;
  const writes = resourceWrites(handler, deps);

  const requestOf = (ctx: ScimContext, projection = projectionParams(ctx.query)): WriteRequest => ({
    state: ctx.state,
    ifMatch: () => ifMatchVersion(ctx),
    projection,
    body: ctx.request.body,
  });

  /** A write's answer as HTTP; a 204 carries neither body nor headers, as before /Bulk. */
  function send(ctx: ScimContext, outcome: WriteOutcome) {
    if (outcome.resource === undefined) {
      ctx.status = outcome.status;
      return;
    }
    respond(ctx, outcome.status, outcome.resource, {
      ...(outcome.status === 201 && outcome.location ? { Location: outcome.location } : {}),
      ...(outcome.etag ? { ETag: outcome.etag } : {}),
    });
  }

  async function list(ctx: ScimContext, params: ListParams) {
    const call = callOf(handler, requestOf(ctx, params.projection));
    const { resources, total, nextCursor } = await handler.list(call, params);
    const json = await handler.render(call, resources);
    const list = buildListResponse({
      resources: json.map((resource) => projectResource(resource, handler.type, params.projection)),
      totalResults: total,
      startIndex: params.startIndex,
    });
    if (params.cursor === undefined) {
      respond(ctx, 200, list);
      return;
    }
    // RFC 9865: a cursor page names the next page's cursor instead of a startIndex.
    const { startIndex: _index, Resources, ...rest } = list;
    respond(ctx, 200, { ...rest, ...(nextCursor ? { nextCursor } : {}), Resources });
  }

  router.post(collection, async (ctx: ScimContext) => send(ctx, await writes.create(requestOf(ctx))));

  router.get(collection, (ctx: ScimContext) => list(ctx, listParams(ctx.query)));
  router.post(`${collection}/.search`, (ctx: ScimContext) =>
    list(ctx, listParams((ctx.request.body ?? {}) as Json)),
  );

  router.get(item, async (ctx: ScimContext) => {
    const call = callOf(handler, requestOf(ctx));
    const resource = await handler.get(call, ctx.params.id ?? "");
    call.seen(resource);
    if (notModified(ctx, resource.etag)) {
      ctx.status = 304;
      return;
    }
    const body =
      (await handler.renderBody?.(call, resource)) ??
      projectResource((await handler.render(call, [resource]))[0] ?? {}, handler.type, call.projection);
    respond(ctx, 200, body, { ETag: weakEtag(resource.etag) });
  });

  router.put(item, async (ctx: ScimContext) =>
    send(ctx, await writes.replace(requestOf(ctx), ctx.params.id ?? "")),
  );
  router.patch(item, async (ctx: ScimContext) =>
    send(ctx, await writes.patch(requestOf(ctx), ctx.params.id ?? "")),
  );
  router.delete(item, async (ctx: ScimContext) =>
    send(ctx, await writes.delete(requestOf(ctx), ctx.params.id ?? "")),
  );
}

function withoutEmpty(note: Pick<ProvisioningNote, "userName" | "externalId">) {
  return Object.fromEntries(Object.entries(note).filter(([, value]) => value !== undefined && value !== ""));
}
