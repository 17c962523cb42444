// A load balancer without session affinity, for the "no sticky sessions" tests: every HTTP request
// and every upgrade goes to the next node in turn, whatever session it belongs to (the opposite of
// what Socket.IO's polling needs without a session router). A node that refuses connections (it
// died) is skipped, like a balancer's health check would: nothing reached it, so trying the next
// one is safe, POSTs included.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Bodies the proxy reads before forwarding (a test proxy: polling bodies are 1 MB at most by default). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Hop-by-hop headers: they describe one connection, not the message, and are not forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Requests and upgrades sent to each node's port so far. */
  readonly served: ReadonlyMap<number, { requests: number; upgrades: number }>;
  /** Stops sending to `port` (a node leaving the pool). */
  remove(port: number): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(ports: number[]): Promise<RoundRobinProxy> {
  const targets = [...ports];
  const served = new Map(ports.map((port) => [port, { requests: 0, upgrades: 0 }]));
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const open = new Set<Duplex>();
  let turn = 0;
  const next = (): number | undefined => (targets.length === 0 ? undefined : targets[turn++ % targets.length]);
  const skip = (port: number) => {
    const index = targets.indexOf(port);
    if (index >= 0) targets.splice(index, 1);
  };
  const track = (socket: Duplex) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  };

  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (body) => forward(req, res, body, targets.length),
      () => res.writeHead(413).end(),
    );
  });

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, attemptsLeft: number): void {
    const port = next();
    if (port === undefined || attemptsLeft === 0) {
      res.writeHead(502).end("no node left");
      return;
    }
    served.get(port)!.requests++;
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    headers["content-length"] = String(body.length);
    const upstream = httpRequest({ host: "127.0.0.1", port, method: req.method, path: req.url, headers, agent }, (answer) => {
      const out = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete out[name];
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED" && !res.headersSent) {
        skip(port);
        forward(req, res, body, attemptsLeft - 1);
      } else if (!res.headersSent) res.writeHead(502).end(error.message);
      else res.destroy();
    });
    // the client went away: so does the forwarded request (a held GET is released on the node)
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    track(socket);
    socket.on("error", () => socket.destroy());
    upgrade(req, socket, head, targets.length);
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, attemptsLeft: number): void {
    const port = next();
    if (port === undefined || attemptsLeft === 0) {
      socket.destroy();
      return;
    }
    served.get(port)!.upgrades++;
    const upstream: Socket = connect({ host: "127.0.0.1", port });
    track(upstream);
    let connected = false;
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (!connected && error.code === "ECONNREFUSED") {
        skip(port);
        upgrade(req, socket, head, attemptsLeft - 1);
      } else socket.destroy();
    });
    upstream.on("connect", () => {
      connected = true;
      let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      upstream.write(`${lines}\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
      upstream.on("close", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
    });
  }

  server.on("connection", track);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    served,
    remove: skip,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error("body too large"));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
