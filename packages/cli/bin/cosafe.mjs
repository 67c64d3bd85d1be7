#!/usr/bin/env node
// The `cosafe` binary: runs the TypeScript sources through tsx (a workspace dev dependency).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
await main();
