/**
 * The Socket.IO layer under `allowEIO3`, where Sockline has its own rules (the reference has no such
 * checks): a CONNECT whose namespace is not a URL path closes the connection with a diagnostic, and
 * protocol 4 sessions on the same server keep the protocol 4 classes (protocol 3 only adds
 * subclasses, chosen once per session).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket } from "ws";
import { Server, type Socket } from "@sockline/core";
import { Socket as EngineSocket, type Diagnostic } from "@sockline/core/engine";
import { closeClients, connectClient, once, waitUntil, type ClientSocket } from "@sockline/e2e/support";
import { LegacyClients, legacyConnected } from "../conformance/helpers/legacy.js";

describe("Socket.IO under allowEIO3 (Sockline's own rules)", () => {
  let httpServer: HttpServer;
  let io: Server;
  let url: string;
  const reports: Diagnostic[] = [];
  before(async () => {
    httpServer = createServer();
    io = new Server(httpServer, { allowEIO3: true });
    io.diagnostics.on("diagnostic", (d) => reports.push(d));
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    const done = io.close();
    httpServer.closeAllConnections();
    await done;
  });

  it("a CONNECT whose namespace does not parse as a URL path: the connection closed, one invalid-packet diagnostic", async () => {
    reports.length = 0;
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    const frames: string[] = [];
    ws.on("message", (data: Buffer) => frames.push(data.toString()));
    await waitUntil(() => frames.includes("40"), "the CONNECT of /");
    const closed = once(ws, "close", { what: "the connection to close" });
    ws.send("40//[,");
    await closed;
    assert.deepEqual(
      reports.map((r) => [r.name, r.packetType]),
      [["invalid-packet", undefined]],
    );
    assert.match(reports[0]!.message, /invalid namespace in a CONNECT packet: "\/\/\["/);
  });

  it("a second CONNECT to a joined namespace, its query aside, is an unexpected packet: the connection closed", async () => {
    reports.length = 0;
    io.of("/chat");
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=3&transport=websocket`);
    const frames: string[] = [];
    ws.on("message", (data: Buffer) => frames.push(data.toString()));
    await waitUntil(() => frames.includes("40"), "the CONNECT of /");
    ws.send("40/chat?token=1,");
    await waitUntil(() => frames.includes("40/chat,"), "the CONNECT of /chat, without payload");
    const closed = once(ws, "close", { what: "the connection to close" });
    ws.send("40/chat?token=2,");
    await closed;
    assert.deepEqual(
      reports.map((r) => [r.name, r.nsp, r.packetType]),
      [["unexpected-packet", "/chat", "CONNECT"]],
    );
  });

  it("protocol 4 sessions next to protocol 3 ones keep the protocol 4 classes", async () => {
    const legacy = new LegacyClients();
    let modern: ClientSocket | undefined;
    try {
      const sockets: Socket[] = [];
      io.on("connection", (socket) => sockets.push(socket));
      const old = legacy.open(url, "upgrade");
      await legacyConnected(old);
      modern = await connectClient(url, { forceNew: true, reconnection: false, transports: ["polling", "websocket"] });
      await waitUntil(() => sockets.length === 2 && sockets.every((s) => s.conn.transport.name === "websocket"), "both upgraded");
      const [v3, v4] = [sockets.find((s) => s.id === old.id)!, sockets.find((s) => s.id === modern!.id)!];
      assert.equal(Object.getPrototypeOf(v4.conn), EngineSocket.prototype);
      assert.equal(v4.conn.transport.constructor.name, "WebSocketTransport");
      assert.notEqual(Object.getPrototypeOf(v3.conn), EngineSocket.prototype);
      assert.ok(v3.conn instanceof EngineSocket);
      assert.equal(v3.conn.transport.constructor.name, "Eio3WebSocketTransport");
      // the protocol 4 socket id is not the engine id (a credential of the polling transport)
      assert.notEqual(v4.id, (v4.conn as unknown as { id: string }).id);
    } finally {
      io.removeAllListeners("connection");
      legacy.closeAll();
      if (modern) closeClients([modern]);
    }
  });
});
