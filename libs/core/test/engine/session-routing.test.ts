/**
 * Session routing on the engine (issue #18): two or three engines in one process, each on its own
 * HTTP server, joined by the in-process router of the test support. The requests of a session go
 * to a node that does not hold it; its owner must serve them as if they had arrived there.
 */
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Socket as ClientSocket } from "engine.io-client";
import { Server as EngineServer, type Diagnostic, type Socket as EngineSocket } from "@sockline/core/engine";
import { Server as SocketIoServer } from "@sockline/core";
import {
  InProcessRouterHub,
  http as httpRequest,
  once,
  startRoundRobinProxy,
  waitUntil,
  type RoundRobinProxy,
} from "@sockline/e2e/support";
import { nextConnection, nextMessage, pollingHandshake, rawWebSocket, startServer, closed, type TestServer } from "./helpers.js";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function node(hub: InProcessRouterHub, id: string, options: Parameters<InProcessRouterHub["router"]>[1] = {}, engineOptions = {}) {
  const router = hub.router(id, options);
  const server = await startServer({ sessionRouter: router, ...engineOptions });
  opened.push(server);
  return { router, server };
}

function diagnosticsOf(server: TestServer): Diagnostic[] {
  const seen: Diagnostic[] = [];
  server.engine.diagnostics.on("diagnostic", (d) => seen.push(d));
  return seen;
}

const url = (server: TestServer, sid: string) => `${server.url}?EIO=4&transport=polling&sid=${sid}`;

describe("session routing: polls", () => {
  it("gives session ids that name their owner, the generated id kept whole after it", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const { open } = await pollingHandshake(a.server);
    assert.match(open.sid, /^a\.[A-Za-z0-9_-]{20}$/);
  });

  it("serves a GET and a POST that reach another node through the session's owner", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const b = await node(hub, "b");
    const sessions = nextConnection(a.server.engine);
    const { open } = await pollingHandshake(a.server);
    const session = await sessions;

    const held = httpRequest(url(b.server, open.sid));
    await waitUntil(() => a.router.counts.served === 1, "the GET reached the owner");
    session.send("hello");
    const answer = await held;
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "4hello");
    assert.equal(answer.headers["content-type"], "text/plain; charset=UTF-8");

    const received = once<[string]>(session, "message");
    const posted = await httpRequest(url(b.server, open.sid), {
      method: "POST",
      body: "4hi\x1e4there",
      headers: { "Content-Type": "text/plain" },
    });
    assert.equal(posted.status, 200);
    assert.equal(posted.body, "ok");
    assert.deepEqual(await received, ["hi"]);
    assert.equal(b.router.counts.polls, 2);
  });

  it("answers Session ID unknown from the owner for an id whose secret it does not hold", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const b = await node(hub, "b");
    const answer = await httpRequest(url(b.server, "a.AAAAAAAAAAAAAAAAAAAA"));
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    assert.equal(a.router.counts.served, 1);
  });

  it("looks up here only an id that names this node or no node", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    for (const sid of ["a.AAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA"]) {
      const answer = await httpRequest(url(a.server, sid));
      assert.equal(answer.status, 400);
      assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    }
    assert.equal(a.router.counts.polls, 0);
  });

  it("answers Session ID unknown at once when the owner is gone, with a routing diagnostic", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const b = await node(hub, "b");
    const { open } = await pollingHandshake(a.server);
    hub.remove("a");
    const seen = diagnosticsOf(b.server);
    const errors: unknown[] = [];
    b.server.engine.on("connection_error", (e) => errors.push(e.code));
    const answer = await httpRequest(url(b.server, open.sid));
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.kind, "routing");
    assert.equal(seen[0]!.name, "owner-unreachable");
    assert.equal(seen[0]!.sid, open.sid);
    assert.deepEqual(errors, [1]);
  });

  it("gives up on an owner that does not answer within forwardTimeout, and tells the owner", async () => {
    const hub = new InProcessRouterHub();
    const c = await node(hub, "c", { unresponsive: true });
    const b = await node(hub, "b", {}, { forwardTimeout: 200 });
    const seen = diagnosticsOf(b.server);
    const answer = await httpRequest(url(b.server, "c.AAAAAAAAAAAAAAAAAAAA"));
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: 1, message: "Session ID unknown" });
    assert.equal(seen[0]?.kind, "limit");
    assert.equal(seen[0]?.name, "forwardTimeout");
    assert.equal(c.router.servedSignals[0]?.aborted, true);
  });

  it("refuses a poll past maxPendingForwards with 503 and a limit diagnostic", async () => {
    const hub = new InProcessRouterHub();
    await node(hub, "c", { unresponsive: true });
    const b = await node(hub, "b", {}, { maxPendingForwards: 1 });
    const seen = diagnosticsOf(b.server);
    const first = httpRequest(url(b.server, "c.AAAAAAAAAAAAAAAAAAAA"));
    await waitUntil(() => hub.routers.get("c")!.counts.served === 1, "the first poll is pending");
    const second = await httpRequest(url(b.server, "c.BBBBBBBBBBBBBBBBBBBB"));
    assert.equal(second.status, 503);
    assert.equal(seen[0]?.name, "maxPendingForwards");
    assert.equal(seen[0]?.limit, 1);
    // closing the engine fails what still waits: its client is answered, not left hanging
    b.server.engine.close();
    assert.equal((await first).status, 400);
  });

  it("reads (and bounds) a POST body on the receiving node before forwarding it", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const b = await node(hub, "b", {}, { maxHttpBufferSize: 100 });
    const seen = diagnosticsOf(b.server);
    const answer = await httpRequest(url(b.server, "a.AAAAAAAAAAAAAAAAAAAA"), { method: "POST", body: `4${"x".repeat(200)}` });
    assert.equal(answer.status, 413);
    assert.equal(seen[0]?.name, "maxHttpBufferSize");
    assert.equal(a.router.counts.served, 0);
  });

  it("closes the session on its owner when the client leaves a forwarded GET, as for a local one", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a");
    const b = await node(hub, "b");
    const sessions = nextConnection(a.server.engine);
    const { open } = await pollingHandshake(a.server);
    const session = await sessions;
    const closedWith = once<[string]>(session, "close");
    const aborter = new AbortController();
    const held = fetch(url(b.server, open.sid), { signal: aborter.signal }).catch(() => "aborted");
    await waitUntil(() => a.router.counts.served === 1, "the GET reached the owner");
    aborter.abort();
    assert.equal(await held, "aborted");
    assert.equal((await closedWith)[0], "transport error");
    assert.equal(a.router.servedSignals[0]?.aborted, true);
  });
});

describe("session routing: options", () => {
  it("refuses a sessionRouter that is not one, and a forwardTimeout that is not positive, at construction", () => {
    assert.throws(
      () => new EngineServer({ sessionRouter: {} as never }),
      /not a SessionRouter: bind\(\), newSessionId\(\), ownerOf\(\), forwardPoll\(\), forwardUpgrade\(\), nodeId missing/,
    );
    assert.throws(() => new EngineServer({ forwardTimeout: 0 }), /forwardTimeout/);
    assert.throws(() => new EngineServer({ maxPendingForwards: -1 }), /maxPendingForwards/);
  });

  it("prefixes the ids of an overridden generateId with the node id", async () => {
    const hub = new InProcessRouterHub();
    const server = await startServer({ sessionRouter: hub.router("a") }, {}, (engine) => {
      engine.generateId = () => "custom-id";
    });
    opened.push(server);
    const { open } = await pollingHandshake(server);
    assert.equal(open.sid, "a.custom-id");
  });

  it("is a Socket.IO server option too, handed to its engine", async () => {
    const hub = new InProcessRouterHub();
    const router = hub.router("a");
    const io = new SocketIoServer({ sessionRouter: router });
    try {
      assert.ok(router.node, "the engine bound the router");
    } finally {
      io.close();
    }
  });
});

describe("session routing: upgrades", () => {
  for (const mode of ["pass", "relay"] as const) {
    it(`upgrades a session on another node (${mode === "pass" ? "socket handed to the owner" : "frames relayed to the owner"})`, async () => {
      const hub = new InProcessRouterHub();
      const a = await node(hub, "a", { upgrades: mode });
      const b = await node(hub, "b", { upgrades: mode });
      const sessions = nextConnection(a.server.engine);
      const { open } = await pollingHandshake(a.server);
      const session: EngineSocket = await sessions;
      const ws = await rawWebSocket(b.server, `EIO=4&transport=websocket&sid=${open.sid}`);
      ws.send("2probe");
      assert.equal(await nextMessage(ws), "3probe");
      const upgraded = once(session, "upgrade");
      ws.send("5");
      await upgraded;
      assert.equal(session.transport.name, "websocket");
      assert.equal(b.router.counts.upgrades, 1);

      session.send("from the owner");
      assert.equal(await nextMessage(ws), "4from the owner");
      const received = once<[string]>(session, "message");
      ws.send("4from the client");
      assert.deepEqual(await received, ["from the client"]);
      const binary = once<[Buffer]>(session, "message");
      ws.send(Buffer.from([1, 2, 3]));
      assert.deepEqual([...(await binary)[0]], [1, 2, 3]);

      const sessionClosed = once(session, "close");
      ws.close();
      await sessionClosed;
      await closed(ws);
    });
  }

  it("refuses on the receiving node what needs no session: an upgrade that is not a websocket one, or of another protocol", async () => {
    const hub = new InProcessRouterHub();
    const a = await node(hub, "a", { upgrades: "relay" });
    const b = await node(hub, "b", { upgrades: "relay" });
    const { open } = await pollingHandshake(a.server);
    for (const query of [`EIO=4&transport=polling&sid=${open.sid}`, `EIO=3&transport=websocket&sid=${open.sid}`]) {
      await assert.rejects(rawWebSocket(b.server, query), /upgrade answered 400/);
    }
    assert.equal(b.router.counts.upgrades, 0);
  });

  it("refuses the upgrade of a session its owner does not hold (Session ID unknown from the owner)", async () => {
    const hub = new InProcessRouterHub();
    await node(hub, "a");
    const b = await node(hub, "b");
    await assert.rejects(rawWebSocket(b.server, "EIO=4&transport=websocket&sid=a.AAAAAAAAAAAAAAAAAAAA"), /upgrade answered 400/);
  });
});

describe("session routing: engine.io-client behind a round-robin proxy", () => {
  for (const [label, transports, mode] of [
    ["polling only", ["polling"], "pass"],
    ["polling then websocket, socket passed", ["polling", "websocket"], "pass"],
    ["polling then websocket, frames relayed", ["polling", "websocket"], "relay"],
  ] as const) {
    it(`exchanges messages both ways, in order (${label})`, async () => {
      const hub = new InProcessRouterHub();
      const a = await node(hub, "a", { upgrades: mode });
      const b = await node(hub, "b", { upgrades: mode });
      const proxy: RoundRobinProxy = await startRoundRobinProxy([a.server.port, b.server.port]);
      opened.push(proxy);
      const echoed: string[] = [];
      for (const server of [a.server, b.server]) {
        server.engine.on("connection", (session: EngineSocket) => {
          session.on("message", (data) => session.send(`echo ${String(data)}`));
        });
      }
      const client = new ClientSocket(proxy.url, { path: "/engine.io", transports: [...transports], agent: false });
      opened.push({ close: async () => void client.close() });
      await once(client, "open");
      const count = 30;
      const all = new Promise<void>((resolve) => {
        client.on("message", (data: unknown) => {
          echoed.push(String(data));
          if (echoed.length === count) resolve();
        });
      });
      for (let i = 0; i < count; i++) {
        client.send(`m${i}`);
        if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await all;
      assert.deepEqual(
        echoed,
        Array.from({ length: count }, (_, i) => `echo m${i}`),
      );
      if (transports.length === 2) await waitUntil(() => client.transport.name === "websocket", "the client upgraded");
      const forwarded = a.router.counts.polls + b.router.counts.polls + a.router.counts.upgrades + b.router.counts.upgrades;
      assert.ok(forwarded > 0, "some requests crossed nodes");
    });
  }
});
