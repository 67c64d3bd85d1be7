import { actorHeaders } from "@cosafe/rpc";
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
  const location = (id: string) => `${deps.baseUrl}${collection}/${id}`;

  function callOf(
    ctx: ScimContext,
    projection: ProjectionParams,
    answersWithResource = true,
  ): ResourceCall<R> {
    return {
      tenantId: ctx.state.tenantId,
      options: { headers: actorHeaders(ctx.state.actor) },
      // Read only by the operations that take a version, as each route did before the adapter.
      get ifMatch() {
        return ifMatchVersion(ctx);
      },
      projection,
      answersWithResource,
      body: ctx.request.body,
      seen(resource) {
        Object.assign(ctx.state.note, {
          resourceType: handler.resourceType,
          resourceId: resource.id,
          ...withoutEmpty(handler.noteOf(resource)),
        });
      },
      ignored(attributes) {
        ctx.state.note.ignoredAttributes = attributes;
      },
      explain(detail) {
        ctx.state.note.detail = detail;
      },
    };
  }

  const start = (ctx: ScimContext, extra: ProvisioningNote = {}) => {
    ctx.state.note = { resourceType: handler.resourceType, ...extra };
  };

  async function rendered(call: ResourceCall<R>, resource: R): Promise<Json> {
    const [json] = await handler.render(call, [resource]);
    return projectResource(json ?? {}, handler.type, call.projection);
  }

  function written(call: ResourceCall<R>, outcome: Written<R>): R {
    call.seen(outcome.resource);
    if (outcome.notices && outcome.notices.length > 0) call.explain(outcome.notices.join("; "));
    return outcome.resource;
  }

  async function list(ctx: ScimContext, params: ListParams) {
    const call = callOf(ctx, params.projection);
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

  router.post(collection, async (ctx: ScimContext) => {
    const { resource: input, ignoredAttributes } = validateResource(ctx.request.body, handler.type);
    checkStoredTexts(input);
    start(ctx, { ignoredAttributes, ...handler.noteOfInput?.(input) });
    const call = callOf(ctx, projectionParams(ctx.query));
    const created = written(call, await handler.create(call, input));
    respond(ctx, 201, await rendered(call, created), {
      Location: location(created.id),
      ETag: weakEtag(created.etag),
    });
  });

  router.get(collection, (ctx: ScimContext) => list(ctx, listParams(ctx.query)));
  router.post(`${collection}/.search`, (ctx: ScimContext) =>
    list(ctx, listParams((ctx.request.body ?? {}) as Json)),
  );

  router.get(item, async (ctx: ScimContext) => {
    const call = callOf(ctx, projectionParams(ctx.query));
    const resource = await handler.get(call, ctx.params.id ?? "");
    call.seen(resource);
    if (notModified(ctx, resource.etag)) {
      ctx.status = 304;
      return;
    }
    respond(ctx, 200, await rendered(call, resource), { ETag: weakEtag(resource.etag) });
  });

  router.put(item, async (ctx: ScimContext) => {
    const { resource: input, ignoredAttributes } = validateResource(ctx.request.body, handler.type);
    checkStoredTexts(input);
    start(ctx, { resourceId: ctx.params.id, ignoredAttributes });
    const call = callOf(ctx, projectionParams(ctx.query));
    const updated = written(call, await handler.replace(call, ctx.params.id ?? "", input));
    respond(ctx, 200, await rendered(call, updated), { ETag: weakEtag(updated.etag) });
  });

  router.patch(item, async (ctx: ScimContext) => {
    start(ctx, { resourceId: ctx.params.id });
    const projection = projectionParams(ctx.query);
    const asked = projection.attributes !== undefined || projection.excludedAttributes !== undefined;
    const call = callOf(ctx, projection, asked || !handler.patchAnswersNoContent);
    const patched = written(call, await handler.patch(call, ctx.params.id ?? ""));
    if (!call.answersWithResource) {
      ctx.status = 204;
      return;
    }
    respond(ctx, 200, await rendered(call, patched), { ETag: weakEtag(patched.etag) });
  });

  router.delete(item, async (ctx: ScimContext) => {
    start(ctx, { resourceId: ctx.params.id });
    await handler.delete(callOf(ctx, {}), ctx.params.id ?? "");
    ctx.status = 204;
  });
}

function withoutEmpty(note: Pick<ProvisioningNote, "userName" | "externalId">) {
  return Object.fromEntries(Object.entries(note).filter(([, value]) => value !== undefined && value !== ""));
}
