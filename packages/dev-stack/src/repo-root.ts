import { resolve } from "node:path";

/** The repository root, from which service entry points and the default data folder are found. */
export const repoRoot = resolve(import.meta.dirname, "../../..");
