import { ScimError } from "../errors/scim-error.js";
import { findKey, isJsonObject, type JsonObject } from "../internal/json.js";
import { type AttributePath, parsePath } from "../path/parse-path.js";
import { PATCH_OP_SCHEMA } from "../schema/urns.js";

export type PatchOpName = "add" | "replace" | "remove";

/** One PATCH operation after normalisation: lower-case `op`, parsed `path`, `value` as sent. */
export interface PatchOperation {
  op: PatchOpName;
  path?: AttributePath;
  /** The path as sent (for messages and ignored-attribute lists). */
  pathText?: string;
  /** `undefined` when the operation carried no `value` member. */
  value?: unknown;
}

const OPS = new Set<string>(["add", "replace", "remove"]);

function field(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/**
 * Normalises the `Operations` of a PATCH request (RFC 7644 §3.5.2). Accepts the whole request body
 * (`{"schemas": [PatchOp], "Operations": […]}`) or the operations array. Member names and `op` values are
 * case-insensitive (Entra sends `Add`, `Replace`, `Remove`); `path: ""` counts as no path.
 *
 * @throws ScimError 400 `invalidSyntax` (not a PatchOp message, unknown op), `invalidPath` (bad path),
 *   `noTarget` (remove without path), `invalidValue` (add/replace without value, path-less value not an object).
 */
export function parsePatchOperations(request: unknown): PatchOperation[] {
  let operations: unknown = request;
  if (isJsonObject(request)) {
    const schemas = field(request, "schemas");
    if (
      schemas !== undefined &&
      !(
        Array.isArray(schemas) &&
        schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
      )
    ) {
      throw new ScimError(400, "invalidSyntax", `A PATCH request must carry the schema ${PATCH_OP_SCHEMA}`);
    }
    operations = field(request, "Operations");
  }
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ScimError(400, "invalidSyntax", "A PATCH request needs a non-empty 'Operations' array");
  }
  return operations.map((operation, index) => parseOperation(operation, index));
}

function parseOperation(operation: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isJsonObject(operation)) throw new ScimError(400, "invalidSyntax", `${where} must be an object`);
  const op = field(operation, "op");
  if (typeof op !== "string" || !OPS.has(op.toLowerCase())) {
    throw new ScimError(
      400,
      "invalidSyntax",
      `${where}.op must be "add", "replace" or "remove", got ${JSON.stringify(op) ?? "nothing"}`,
    );
  }
  const name = op.toLowerCase() as PatchOpName;
  const result: PatchOperation = { op: name };
  const path = field(operation, "path");
  if (path !== undefined && path !== null && path !== "") {
    if (typeof path !== "string") throw new ScimError(400, "invalidPath", `${where}.path must be a string`);
    result.path = parsePath(path);
    result.pathText = path;
  }
  const valueKey = findKey(operation, "value");
  if (valueKey !== undefined) result.value = operation[valueKey];
  if (name === "remove" && result.path === undefined) {
    throw new ScimError(400, "noTarget", `${where}: "remove" needs a path`);
  }
  if (name !== "remove" && valueKey === undefined) {
    throw new ScimError(400, "invalidValue", `${where}: "${name}" needs a value`);
  }
  if (name !== "remove" && result.path === undefined && !isJsonObject(result.value)) {
    throw new ScimError(400, "invalidValue", `${where}: "${name}" without a path needs an object value`);
  }
  return result;
}

/** One attribute an operation writes: the operation's own path, or one key of a path-less value. */
export interface PatchTarget {
  path: AttributePath;
  text: string;
  value: unknown;
  /** True when the target came from a key of a path-less value object. */
  fromValueKey: boolean;
}

/**
 * Expands an operation into its targets. A path-less `add`/`replace` contributes one target per key of
 * its value: plain names, dotted keys (`"name.givenName"`), URN-colon keys
 * (`"urn:…:enterprise:2.0:User:department"`), value paths (`"emails[type eq \"work\"].value"`) and
 * extension objects (`"urn:…:enterprise:2.0:User": {…}`). `schemas` keys are skipped; keys that are not
 * attribute paths are returned with `path: undefined` so the caller can report them as ignored.
 */
export function expandTargets(
  operation: PatchOperation,
  knownExtension: (key: string) => string | undefined,
): (PatchTarget | { path: undefined; text: string })[] {
  if (operation.path !== undefined) {
    return [
      { path: operation.path, text: operation.pathText ?? "", value: operation.value, fromValueKey: false },
    ];
  }
  const targets: (PatchTarget | { path: undefined; text: string })[] = [];
  const add = (text: string, value: unknown) => {
    try {
      targets.push({ path: parsePath(text), text, value, fromValueKey: true });
    } catch {
      targets.push({ path: undefined, text });
    }
  };
  for (const [key, value] of Object.entries(operation.value as JsonObject)) {
    if (key.toLowerCase() === "schemas") continue;
    const extension = knownExtension(key);
    if (extension !== undefined && isJsonObject(value)) {
      for (const [name, item] of Object.entries(value)) add(`${extension}:${name}`, item);
    } else {
      add(key, value);
    }
  }
  return targets;
}
