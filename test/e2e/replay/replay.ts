import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ScimHttp } from "../scim-http.js";

/**
 * The replay fixture format (test/fixtures/idp/<idp>/<sequence>.json).
 *
 * - `request.path` is written unencoded, as the identity provider's documentation prints it
 *   (`/Users?filter=userName eq "x"&count=100`); the runner encodes each query value.
 * - `{{name}}` anywhere in a request or an expectation is replaced by a value captured by an
 *   earlier step (`"capture": {"user.id": "$.id"}`). A string that is exactly one placeholder
 *   takes the captured value's type; inside a longer string it is interpolated.
 * - Built-ins: `{{$guid}}` is a random UUID, the same for the whole fixture run.
 * - Capture paths: `$` is the response body, then `.name` and `[index]` (`$.Resources[0].id`);
 *   `header:ETag` reads a response header.
 * - `expect.body` is a partial match: objects need only the listed keys; arrays need the same
 *   length and each expected element matches a distinct actual element (order-insensitive).
 *   `"{{$absent}}"` requires a key to be missing; `"{{$present}}"` accepts any value.
 * - `expect.headers`: header name → exact value (or `{{$present}}` / `{{$absent}}`).
 */
export interface ReplayFixture {
  name: string;
  /** Which documented request sequence this replays, with the documentation's case ids. */
  description: string;
  steps: ReplayStep[];
}

export interface ReplayStep {
  /** What the identity provider does at this point (for failure messages). */
  name?: string;
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    /** `null`: send no Authorization header. */
    token?: null;
  };
  expect: {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
  };
  capture?: Record<string, string>;
}

const placeholder = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const matchers = new Set(["$absent", "$present"]);

/** Replaces `{{name}}` placeholders with captured values (matchers stay for the comparison). */
export function substitute(value: unknown, vars: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{\s*([^{}\s]+)\s*\}\}$/.exec(value);
    if (whole?.[1]) {
      if (matchers.has(whole[1])) return value;
      return lookup(whole[1], vars);
    }
    return value.replace(placeholder, (_, name: string) => String(lookup(name, vars)));
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

function lookup(name: string, vars: ReadonlyMap<string, unknown>): unknown {
  if (!vars.has(name)) throw new Error(`placeholder {{${name}}} was not captured by an earlier step`);
  return vars.get(name);
}

/** Encodes the query values of a path written as the documentation prints it. */
export function encodePath(path: string): string {
  const at = path.indexOf("?");
  if (at < 0) return path;
  const query = path
    .slice(at + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0
        ? encodeURIComponent(pair)
        : `${encodeURIComponent(pair.slice(0, eq))}=${encodeURIComponent(pair.slice(eq + 1))}`;
    })
    .join("&");
  return `${path.slice(0, at)}?${query}`;
}

/** Reads `$.a.b[0].c` from a body. */
export function readPath(body: unknown, path: string): unknown {
  if (!path.startsWith("$")) throw new Error(`capture path must start with $: ${path}`);
  const tokens = path.slice(1).match(/\.[^.[\]]+|\[\d+\]/g) ?? [];
  if (tokens.join("") !== path.slice(1)) throw new Error(`unreadable capture path ${path}`);
  let current: unknown = body;
  for (const token of tokens) {
    if (current === null || typeof current !== "object") return undefined;
    const key = token.startsWith("[") ? Number(token.slice(1, -1)) : token.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Differences between an expected (partial) value and the actual one, as readable lines. */
export function mismatches(expected: unknown, actual: unknown, at = "$"): string[] {
  if (expected === "{{$present}}") return actual === undefined ? [`${at}: missing`] : [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length)
      return [`${at}: expected ${expected.length} elements, got ${actual.length}: ${JSON.stringify(actual)}`];
    const free = actual.map((_, i) => i);
    const problems: string[] = [];
    expected.forEach((item, i) => {
      const hit = free.findIndex((j) => mismatches(item, actual[j], at).length === 0);
      if (hit < 0)
        problems.push(`${at}[${i}]: no element matches ${JSON.stringify(item)} in ${JSON.stringify(actual)}`);
      else free.splice(hit, 1);
    });
    return problems;
  }
  if (expected && typeof expected === "object") {
    if (!actual || typeof actual !== "object" || Array.isArray(actual))
      return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    const object = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([key, value]) => {
      if (value === "{{$absent}}")
        return key in object ? [`${at}.${key}: expected absent, got ${JSON.stringify(object[key])}`] : [];
      return mismatches(value, object[key], `${at}.${key}`);
    });
  }
  return Object.is(expected, actual)
    ? []
    : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Runs a fixture's steps in order against the stack; throws with every difference of the first failing step. */
export async function replay(fixture: ReplayFixture, http: ScimHttp): Promise<void> {
  const vars = new Map<string, unknown>([["$guid", randomUUID()]]);
  for (const [index, step] of fixture.steps.entries()) {
    const label = `step ${index + 1}${step.name ? ` (${step.name})` : ""}`;
    const request = substitute(step.request, vars) as ReplayStep["request"];
    const res = await http.request({
      method: request.method,
      path: encodePath(request.path),
      body: request.body,
      headers: request.headers,
      token: request.token,
    });
    const expected = substitute(step.expect, vars) as ReplayStep["expect"];
    const problems: string[] = [];
    if (res.status !== expected.status)
      problems.push(`status: expected ${expected.status}, got ${res.status}`);
    if (expected.body !== undefined) problems.push(...mismatches(expected.body, res.body));
    for (const [name, value] of Object.entries(expected.headers ?? {})) {
      const actual = res.headers.get(name) ?? undefined;
      if (value === "{{$absent}}" ? actual !== undefined : mismatches(value, actual).length > 0)
        problems.push(`header ${name}: expected ${value}, got ${actual}`);
    }
    if (problems.length > 0) {
      throw new Error(
        `${fixture.name}, ${label}: ${request.method} ${request.path}\n  ${problems.join("\n  ")}\n  response: ${res.text.slice(0, 1500)}`,
      );
    }
    for (const [name, from] of Object.entries(step.capture ?? {})) {
      const value = from.startsWith("header:")
        ? (res.headers.get(from.slice("header:".length)) ?? undefined)
        : readPath(res.body, from);
      if (value === undefined) throw new Error(`${fixture.name}, ${label}: nothing to capture at ${from}`);
      vars.set(name, value);
    }
  }
}

/** Every fixture under a folder, with its path relative to it, sorted. */
export function loadFixtures(root: string): { file: string; fixture: ReplayFixture }[] {
  const files = readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json"))
    .sort();
  return files.map((file) => ({
    file: relative(root, join(root, file)),
    fixture: JSON.parse(readFileSync(join(root, file), "utf8")) as ReplayFixture,
  }));
}
