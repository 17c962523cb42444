/**
 * A round-robin HTTP proxy for the session routing tests (issue #18): every request and every upgrade goes to the next
 * backend in turn, with no affinity at all (each request on its own backend connection).
 */
import { once } from "node:events";
import { createServer, request, type Server as HttpServer } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export interface RoundRobinHttpProxy {
  port: number;
  /** Requests and upgrades sent to each backend, by port. */
  readonly hits: Map<number, number>;
  close(): Promise<void>;
}

export async function roundRobinHttpProxy(backends: number[]): Promise<RoundRobinHttpProxy> {
  let next = 0;
  const hits = new Map<number, number>(backends.map((port) => [port, 0]));
  const pick = () => {
    const port = backends[next++ % backends.length]!;
    hits.set(port, hits.get(port)! + 1);
    return port;
  };
  const sockets = new Set<Socket>();
  const server: HttpServer = createServer((req, res) => {
    const upstream = request(
      { host: "127.0.0.1", port: pick(), method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on("upgrade", (req, client: Socket, head: Buffer) => {
    const upstream = connect(pick(), "127.0.0.1");
    sockets.add(upstream);
    sockets.add(client);
    upstream.on("close", () => sockets.delete(upstream));
    client.on("close", () => sockets.delete(client));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.once("connect", () => {
      let head_ = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) head_ += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(head_ + "\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
