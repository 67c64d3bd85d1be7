import { createServer } from "node:net";

/** Ports of services that may run on developer machines and CI; never hand these out. */
const RESERVED = new Set([1883, 3306, 4222, 4369, 5432, 5672, 6379, 25672]);

/**
 * A TCP port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). Another
 * process may still grab it before the caller binds; callers that start servers should retry.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await bindEphemeralPort();
    if (!RESERVED.has(port)) return port;
  }
}

function bindEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the bound port"));
      });
    });
  });
}
