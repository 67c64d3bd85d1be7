import { randomUUID } from "node:crypto";
import type { Logger } from "@cosafe/logging";
import type { ProvisioningEntry } from "@cosafe/proto/identity";
import { ScimError, toErrorBody } from "@cosafe/scim";
import type Router from "@koa/router";
import type { Context } from "koa";
import { toScimError } from "../middleware/scim-errors.js";
import { buildProvisioningEntry } from "../provisioning-log/provisioning-entry.js";
import { versionOfIfMatch } from "../resources/etag.js";
import type { ResourceWrites, WriteOutcome, WriteRequest } from "../resources/resource-adapter.js";
import { respond } from "../resources/respond.js";
import type { ProvisioningNote, ScimState } from "../scim-state.js";
import { BULK_RESPONSE_SCHEMA, type BulkOperation, parseBulkRequest, substitute } from "./bulk-request.js";

type Json = Record<string, unknown>;

export interface BulkDeps {
  /** The writes of /Users and /Groups: the very code (and identity-core calls) of the single requests. */
  writes: readonly ResourceWrites[];
  /** Where each operation's own provisioning-log entry goes (R20), next to the /Bulk request's. */
  provisioningLog: { enqueue(entry: ProvisioningEntry): void };
  logger: Logger;
}

/** One entry of the BulkResponse's `Operations` (RFC 7644 §3.7.3). */
interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: Json;
}

/** "/Users/abc" → the Users writes and "abc"; what a POST or the other methods may name. */
function target(
  writes: readonly ResourceWrites[],
  operation: BulkOperation,
  path: string,
): { writes: ResourceWrites; id: string } {
  if (path.includes("?"))
    throw new ScimError(
      400,
      "invalidValue",
      `operation ${operation.index + 1}: a bulk operation's path takes no query string`,
    );
  const match = /^\/(Users|Groups)(?:\/([^/?#]+))?\/?$/.exec(path);
  const found = match && writes.find((w) => w.endpoint === match[1]);
  if (!match || !found)
    throw new ScimError(
      404,
      undefined,
      `operation ${operation.index + 1}: no such endpoint ${path.slice(0, 200)}`,
    );
  const id = match[2] === undefined ? "" : decodeURIComponent(match[2]);
  if (operation.method === "POST" && id !== "")
    throw new ScimError(
      400,
      "invalidValue",
      `operation ${operation.index + 1}: a POST names an endpoint (/Users or /Groups), not a resource`,
    );
  if (operation.method !== "POST" && id === "")
    throw new ScimError(
      400,
      "invalidValue",
      `operation ${operation.index + 1}: ${operation.method} names a resource, e.g. /Users/<id>`,
    );
  return { writes: found, id };
}

/**
 * POST /Bulk (RFC 7644 §3.7). Operations run one after another, each through the same adapter
 * write (validation, identity-core RPC, seats, R7, the brake) as its single request; a failure
 * fails that operation only. An operation referencing `bulkId:<id>` of a POST later in the
 * request runs that POST first; a circular or unknown reference is 409. After `failOnErrors`
 * errors the rest is skipped. The answer is 200 with each operation's status, location, version
 * and response (the resource, or the SCIM error).
 */
export function mountBulk(router: Router<ScimState>, deps: BulkDeps) {
  router.post("/Bulk", async (ctx: Context & { state: ScimState }) => {
    const request = parseBulkRequest(ctx.request.body);
    const { operations } = request;
    const byBulkId = new Map<string, BulkOperation>();
    for (const operation of operations)
      if (operation.method === "POST" && operation.bulkId && !byBulkId.has(operation.bulkId))
        byBulkId.set(operation.bulkId, operation);

    const created = new Map<string, string>();
    const running = new Set<number>();
    const finished = new Set<number>();
    const results: BulkResult[] = [];
    let errors = 0;
    const stopped = () => request.failOnErrors !== undefined && errors >= request.failOnErrors;

    const record = (operation: BulkOperation, result: BulkResult) => {
      finished.add(operation.index);
      results.push(result);
      if (Number(result.status) >= 400) errors += 1;
    };

    const fail = (operation: BulkOperation, error: ScimError, path = operation.path) => {
      const note: ProvisioningNote = {};
      log(ctx, operation, path, error.status, note, performance.now(), error);
      record(operation, {
        method: operation.method,
        ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
        status: String(error.status),
        response: { ...toErrorBody(error) },
      });
    };

    async function run(operation: BulkOperation): Promise<void> {
      if (finished.has(operation.index) || stopped()) return;
      if (operation.error) return fail(operation, operation.error);
      running.add(operation.index);
      try {
        for (const reference of operation.references) {
          if (created.has(reference)) continue;
          const source = byBulkId.get(reference);
          if (source === undefined || source === operation)
            return fail(operation, conflict(operation, `bulkId:${reference} names no POST of this request`));
          if (running.has(source.index))
            return fail(
              operation,
              conflict(operation, `circular bulkId reference through bulkId:${reference}`),
            );
          await run(source);
          if (stopped()) return;
          if (!created.has(reference))
            return fail(
              operation,
              conflict(operation, `bulkId:${reference} was not created: its operation failed`),
            );
        }
        await execute(operation);
      } finally {
        running.delete(operation.index);
      }
    }

    async function execute(operation: BulkOperation): Promise<void> {
      const path = operation.path.replace(/bulkId:([^/]+)/g, (whole, id: string) => created.get(id) ?? whole);
      const began = performance.now();
      const note: ProvisioningNote = {};
      const state = {
        tenantId: ctx.state.tenantId,
        actor: ctx.state.actor,
        callHeaders: ctx.state.callHeaders,
        note,
      };
      const write: WriteRequest = {
        state,
        ifMatch: () => versionOfIfMatch(operation.version),
        projection: {},
        body: substitute(operation.data, created),
      };
      let outcome: WriteOutcome;
      try {
        const { writes, id } = target(deps.writes, operation, path);
        const method = operation.method as "POST" | "PUT" | "PATCH" | "DELETE";
        outcome =
          method === "POST"
            ? await writes.create(write)
            : method === "PUT"
              ? await writes.replace(write, id)
              : method === "PATCH"
                ? await writes.patch(write, id)
                : await writes.delete(write, id);
      } catch (error) {
        const scimError = toScimError(error);
        if (scimError.status >= 500)
          deps.logger.error({ err: error, operation: operation.index + 1 }, "bulk operation failed");
        log(ctx, operation, path, scimError.status, state.note, began, scimError);
        record(operation, {
          method: operation.method,
          ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
          status: String(scimError.status),
          response: { ...toErrorBody(scimError) },
        });
        return;
      }
      if (operation.method === "POST" && operation.bulkId && state.note.resourceId)
        created.set(operation.bulkId, state.note.resourceId);
      log(ctx, operation, path, outcome.status, state.note, began);
      record(operation, {
        method: operation.method,
        ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
        ...(outcome.etag ? { version: outcome.etag } : {}),
        ...(outcome.location ? { location: outcome.location } : {}),
        status: String(outcome.status),
        ...(outcome.resource ? { response: outcome.resource } : {}),
      });
    }

    /** Each operation leaves its own provisioning-log entry, under the /Bulk request's id (R20). */
    function log(
      ctx: Context & { state: ScimState },
      operation: BulkOperation,
      path: string,
      status: number,
      note: ProvisioningNote,
      began: number,
      error?: ScimError,
    ) {
      try {
        const where = `/Bulk operation ${operation.index + 1}${operation.bulkId ? ` (bulkId ${operation.bulkId})` : ""}`;
        deps.provisioningLog.enqueue(
          buildProvisioningEntry({
            requestId: ctx.state.requestId || randomUUID(),
            startedAtMs: Date.now(),
            durationMs: performance.now() - began,
            method: operation.method || "POST",
            path: path.slice(0, 2048),
            status,
            scimType: error?.scimType,
            errorDetail: error?.detail,
            tenantId: ctx.state.tenantId,
            tokenId: ctx.state.tokenId,
            note: { ...note, detail: [where, note.detail].filter(Boolean).join("; ") },
          }),
        );
      } catch (failure) {
        deps.logger.error({ err: failure }, "could not build a provisioning log entry");
      }
    }

    for (const operation of operations) {
      if (stopped()) break;
      await run(operation);
    }
    ctx.state.note.detail = `${results.length} of ${operations.length} operations run, ${errors} failed`;
    respond(ctx, 200, { schemas: [BULK_RESPONSE_SCHEMA], Operations: results });
  });
}

function conflict(operation: BulkOperation, detail: string): ScimError {
  return new ScimError(409, "invalidValue", `operation ${operation.index + 1}: ${detail}`);
}
