import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP forwarder a test controls, to take a real dependency (PostgreSQL, identity-core)
 * away from a service without mocking it:
 * - `pause()` freezes every connection, old and new — bytes are held, nothing is refused,
 *   as with a frozen server or a black-holed network;
 * - `resume()` delivers what was held and forwards again;
 * - `cut()` closes every connection and refuses new ones until `resume()`.
 */
export interface TcpProxy {
  port: number;
  /** host:port to use in place of the target's. */
  address: string;
  pause(): void;
  resume(): void;
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: { to: Socket; chunk: Buffer }[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let refusing = false;

  const forward = (pair: Pair, from: Socket, to: Socket) => {
    from.on("data", (chunk: Buffer) => {
      if (paused) pair.held.push({ to, chunk });
      else to.write(chunk);
    });
    from.on("end", () => to.end());
    from.on("error", () => to.destroy());
    from.on("close", () => {
      to.destroy();
      pairs.delete(pair);
    });
  };

  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    forward(pair, client, upstream);
    forward(pair, upstream, client);
    if (paused) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const cut = () => {
    refusing = true;
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    address: `127.0.0.1:${port}`,
    pause() {
      paused = true;
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream.pause();
      }
    },
    resume() {
      paused = false;
      refusing = false;
      for (const pair of pairs) {
        for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
