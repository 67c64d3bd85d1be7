import { ConfigError } from "./config-error.js";

type Env = Record<string, string | undefined>;

/** Reads one setting from the environment; returns the value or a problem description. */
export interface Setting<T> {
  read(env: Env): { value: T } | { problem: string };
}

type Spec<T> = { [K in keyof T]: Setting<T[K]> };

/** Reads and validates every setting; throws one ConfigError naming all bad or missing variables. */
export function readConfig<T>(spec: Spec<T>, env: Env = process.env): Readonly<T> {
  const problems: string[] = [];
  const config = {} as T;
  for (const key of Object.keys(spec) as (keyof T)[]) {
    const result = spec[key].read(env);
    if ("problem" in result) problems.push(result.problem);
    else config[key] = result.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

interface Options<T> {
  default?: T;
}

function required(name: string, what: string) {
  return { problem: `${name} is required (${what})` };
}

/** A non-empty string. */
export function stringSetting(name: string, options: Options<string> = {}): Setting<string> {
  return {
    read(env) {
      const value = raw(env, name) ?? options.default;
      return value === undefined ? required(name, "a string") : { value };
    },
  };
}

/** An optional string: undefined when unset. */
export function optionalStringSetting(name: string): Setting<string | undefined> {
  return { read: (env) => ({ value: raw(env, name) }) };
}

/** An integer within bounds. */
export function intSetting(name: string, options: Options<number> & { min?: number; max?: number } = {}) {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return {
    read(env: Env) {
      const text = raw(env, name);
      if (text === undefined) {
        return options.default === undefined ? required(name, "an integer") : { value: options.default };
      }
      const value = Number(text);
      if (!Number.isInteger(value) || value < min || value > max) {
        return { problem: `${name} must be an integer between ${min} and ${max}, got "${text}"` };
      }
      return { value };
    },
  } satisfies Setting<number>;
}

/** A TCP port; 0 lets the operating system choose. */
export function portSetting(name: string, defaultPort: number): Setting<number> {
  return intSetting(name, { default: defaultPort, min: 0, max: 65535 });
}

/** An absolute URL with one of the given protocols. */
export function urlSetting(
  name: string,
  options: Options<string> & { protocols: string[] },
): Setting<string> {
  return {
    read(env) {
      const text = raw(env, name) ?? options.default;
      if (text === undefined) return required(name, `a ${options.protocols.join("/")} URL`);
      try {
        const url = new URL(text);
        if (!options.protocols.includes(url.protocol.replace(/:$/, ""))) {
          return { problem: `${name} must use ${options.protocols.join(" or ")}, got "${url.protocol}"` };
        }
        return { value: text };
      } catch {
        return { problem: `${name} must be an absolute URL, got "${redactUrl(text)}"` };
      }
    },
  };
}

/** One of a fixed set of values. */
export function enumSetting<T extends string>(
  name: string,
  values: readonly T[],
  defaultValue: T,
): Setting<T> {
  return {
    read(env) {
      const text = raw(env, name) ?? defaultValue;
      return (values as readonly string[]).includes(text)
        ? { value: text as T }
        : { problem: `${name} must be one of ${values.join(", ")}, got "${text}"` };
    },
  };
}

/** Never echo credentials embedded in a URL back into an error message. */
function redactUrl(text: string): string {
  return text.replace(/\/\/[^@/]*@/, "//***@");
}
