/**
 * The part of Fetch's `Headers` that a unary call's interceptors and handlers use, over a plain
 * `Map`: names are case-insensitive (kept lower-case), `append` joins values with ", ", and
 * iteration runs in name order, as `Headers` does. The lean server path (ADR 0022) makes three
 * per call — request, response header and trailer — and undici's `Headers`, with its
 * validation and sorting on every access, cost identity-core about 1.5 % of a read
 * (docs/performance.md). Names and values are not validated here: whatever goes on the wire
 * is checked by Node's HTTP/2 layer when the headers are written.
 */
export class LightHeaders implements Headers {
  private readonly map = new Map<string, string>();

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.map.get(key);
    this.map.set(key, current === undefined ? String(value) : `${current}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  getSetCookie(): string[] {
    const value = this.map.get("set-cookie");
    return value === undefined ? [] : [value];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), String(value));
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): Generator<[string, string]> {
    if (this.map.size === 0) return;
    const keys = [...this.map.keys()].sort();
    for (const key of keys) yield [key, this.map.get(key) as string];
  }

  *keys(): Generator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): Generator<[string, string]> {
    return this.entries();
  }
}
