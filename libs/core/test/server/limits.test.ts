import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import type { Socket } from "@sockline/core";
import { Fixture, internals, once } from "./helpers.js";

/** A raw Engine.IO v4 WebSocket peer, to send what no official client would. */
class RawPeer {
  readonly ws: WebSocket;
  readonly frames: string[] = [];
  readonly closed: Promise<void>;
  private waiters: { test: (f: string) => boolean; resolve: (f: string) => void }[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket");
    this.closed = new Promise((resolve) => this.ws.on("close", () => resolve()));
    this.ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === "2") return this.ws.send("3");
      this.frames.push(text);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(text)) return true;
        w.resolve(text);
        return false;
      });
    });
  }

  next(test: (frame: string) => boolean): Promise<string> {
    const found = this.frames.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Opens the engine session and joins the main namespace. */
  async join(): Promise<void> {
    await this.next((f) => f.startsWith("0{"));
    this.ws.send("40");
    await this.next((f) => f.startsWith("40{"));
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }
}

describe("limits and malformed input close only the offending connection", () => {
  let fx: Fixture;
  let bystander: ReturnType<Fixture["client"]>;
  before(async () => {
    fx = await new Fixture({ attachmentTimeout: 200, maxPendingAcks: 3 }).start();
    fx.io.on("connection", (socket) => {
      socket.on("echo", (v: unknown, cb: (v: unknown) => void) => cb(v));
    });
    bystander = fx.client("/");
    await once(bystander, "connect");
  });
  after(() => fx.close());

  const deep = "[".repeat(5000) + "]".repeat(5000);
  const inputs: Record<string, string> = {
    "unknown packet type": "49",
    "invalid JSON": '42["a",',
    "non-array event payload": '42{"a":1}',
    "reserved event name from the client": '42["disconnect"]',
    "bad ack id": '4212345678901234567890["echo",1]',
    "too many attachments (CVE-2023-32695 kind)": '4599-["a"]',
    "unannounced binary placeholder index": '451-["a",{"_placeholder":true,"num":3}]',
    "payload nested 5,000 levels (RangeError in the reference)": `42["echo",${deep}]`,
    "CONNECT_ERROR sent by a client": '44{"message":"x"}',
    "second CONNECT to a joined namespace": "40",
  };

  for (const [label, frame] of Object.entries(inputs)) {
    it(label, async () => {
      const peer = new RawPeer(fx.url);
      await peer.join();
      const serverSocket = [...fx.io.sockets.sockets.values()].at(-1) as Socket;
      const reason = once<string>(serverSocket, "disconnect");
      peer.send(frame);
      if (frame.startsWith("451-")) peer.send(Buffer.from([1]));
      await peer.closed;
      assert.match(await reason, /forced close|forced server close/);
      // The process and the other clients carry on.
      assert.equal(await bystander.emitWithAck("echo", label), label);
    });
  }

  it('an "error" event sent by a client without an error listener does not throw (CVE-2024-38355 kind)', async () => {
    const peer = new RawPeer(fx.url);
    await peer.join();
    peer.send('42["error","boom"]');
    peer.send('421["echo","after"]');
    assert.equal(await peer.next((f) => f.startsWith("431")), '431["after"]');
    peer.ws.close();
    await peer.closed;
  });

  it("a binary packet whose attachments never arrive is dropped after attachmentTimeout", async () => {
    const peer = new RawPeer(fx.url);
    await peer.join();
    peer.send('452-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    peer.send(Buffer.from([1]));
    await peer.closed;
    assert.equal(await bystander.emitWithAck("echo", "still here"), "still here");
  });

  it("a client that never acknowledges is disconnected past maxPendingAcks", async () => {
    const peer = new RawPeer(fx.url);
    await peer.join();
    const serverSocket = [...fx.io.sockets.sockets.values()].at(-1) as Socket;
    for (let i = 0; i < 5; i++) serverSocket.emit("needs-ack", i, () => {});
    await peer.closed;
    assert.equal(serverSocket.connected, false);
  });
});

describe("connectTimeout", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture({ connectTimeout: 100 }).start();
  });
  after(() => fx.close());

  it("closes an engine connection that never joins a namespace", async () => {
    const peer = new RawPeer(fx.url);
    await peer.next((f) => f.startsWith("0{"));
    await peer.closed;
    assert.equal(fx.io.engine.clientsCount, 0);
  });
});

describe("repeated CONNECT while the middlewares run", () => {
  let fx: Fixture;
  before(async () => {
    fx = await new Fixture().start();
    fx.io.of("/slow").use((_socket, next) => setTimeout(next, 50));
  });
  after(() => fx.close());

  it("creates one socket only, and nothing is left once the connection closes", async () => {
    const peer = new RawPeer(fx.url);
    await peer.next((f) => f.startsWith("0{"));
    const connected = once<Socket>(fx.io.of("/slow"), "connection");
    peer.send("40/slow,");
    peer.send("40/slow,");
    const socket = await connected;
    await peer.next((f) => f.startsWith("40/slow,{"));
    assert.equal(fx.io.of("/slow").sockets.size, 1);
    const gone = once(socket, "disconnect");
    peer.ws.close();
    await gone;
    assert.equal(fx.io.of("/slow").sockets.size, 0);
    assert.equal(internals(fx.io.of("/slow"))._preConnectSockets.size, 0);
  });
});
