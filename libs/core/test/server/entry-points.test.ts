import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import msgpackParser from "socket.io-msgpack-parser";
import { io as connect } from "socket.io-client";
import { Server, type Socket } from "@sockline/core";
import { Fixture, once } from "./helpers.js";

describe("custom parser: socket.io-msgpack-parser unchanged", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ parser: msgpackParser as never }).start();
  });
  after(() => fx.close());

  for (const transports of [["websocket"], ["polling"]] as const) {
    it(`connects, emits binary and acks over ${transports[0]}`, async () => {
      const serverSide = once<Socket>(fx.io, "connection");
      const client = fx.client("/", { transports: [...transports], parser: msgpackParser } as never);
      const socket = await serverSide;
      socket.on("echo", (a: unknown, cb: (a: unknown) => void) => cb(a));
      await once(client, "connect");
      const reply = await client.emitWithAck("echo", { n: 1, bin: Buffer.from([1, 2]) });
      assert.equal(reply.n, 1);
      assert.deepEqual(Buffer.from(reply.bin), Buffer.from([1, 2]));
      const got = once(client, "room-msg");
      socket.join("r");
      fx.io.to("r").emit("room-msg", "hello");
      assert.equal(await got, "hello");
      client.disconnect();
    });
  }
});

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serveClient and the framework-neutral entry points", () => {
  it("serves the installed socket.io-client bundles with an ETag, 304 on match, gzip when asked", async () => {
    const fx = await new Fixture().start();
    try {
      const js = await get(fx.url + "/socket.io/socket.io.min.js");
      assert.equal(js.status, 200);
      assert.match(String(js.headers["content-type"]), /javascript/);
      const etag = String(js.headers.etag);
      assert.match(etag, /^"4\.\d+\.\d+"$/);
      assert.match(js.body.toString(), /io/);
      const notModified = await get(fx.url + "/socket.io/socket.io.js", { "if-none-match": etag });
      assert.equal(notModified.status, 304);
      const map = await get(fx.url + "/socket.io/socket.io.esm.min.js.map", { "accept-encoding": "gzip" });
      assert.equal(map.headers["content-encoding"], "gzip");
      assert.doesNotThrow(() => JSON.parse(gunzipSync(map.body).toString()));
      const unknown = await get(fx.url + "/socket.io/package.json");
      assert.notEqual(unknown.status, 200);
    } finally {
      await fx.close();
    }
  });

  it("new Server(opts) works without an HTTP server through handleRequest / handleUpgrade", async () => {
    const io = new Server({ serveClient: false });
    const http = createServer((req, res) => {
      if (req.url?.startsWith("/socket.io/")) return io.handleRequest(req, res);
      res.writeHead(418);
      res.end();
    });
    http.on("upgrade", (req, socket, head) => io.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    io.on("connection", (s) => s.emit("welcome", s.id));
    try {
      for (const transports of [["websocket"], ["polling"]]) {
        const client = connect(url, { forceNew: true, reconnection: false, transports });
        const welcome = once(client, "welcome");
        await once(client, "connect");
        assert.equal(await welcome, client.id);
        client.disconnect();
      }
      assert.equal((await get(url + "/other")).status, 418);
      assert.equal((await get(url + "/socket.io/socket.io.js")).status, 400, "serveClient off: the engine answers");
    } finally {
      await io.close();
      await new Promise((r) => http.close(r));
    }
  });

  it("new Server(port) creates and listens on its own HTTP server", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const io = new Server(port);
    try {
      await once(io.httpServer!, "listening");
      const client = connect(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      await once(client, "connect");
      client.disconnect();
    } finally {
      await io.close();
    }
  });
});
