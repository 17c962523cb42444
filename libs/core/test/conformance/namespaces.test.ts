// Static, regex and function (dynamic) namespaces, parent namespaces and their cleanup.
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import type { Namespace } from "socket.io";
import { Harness, connected, type ClientSocket, type ServerSocket } from "./helpers/harness.js";
import { IMPL } from "./helpers/impl.js";
import { once, record } from "@sockline/e2e/support";

/** The client's connect_error for a connection attempt that must fail. */
async function connectError(h: Harness, nsp: string, auth?: Record<string, unknown>): Promise<Error & { data?: unknown }> {
  const client = h.client(nsp, auth ? { auth } : {});
  const [err] = await once<[Error & { data?: unknown }]>(client, "connect_error", { what: `connect_error on ${nsp}` });
  assert.equal(client.connected, false);
  return err;
}

describe(`[${IMPL}] namespaces`, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({}, "websocket");
  });
  afterEach(() => h.close());

  it("a static namespace accepts clients; its name is normalized with a leading slash", async () => {
    const nsp = h.io.of("orders");
    assert.equal(nsp.name, "/orders");
    assert.equal(h.io.of("/orders"), nsp, "io.of() returns the same namespace for the same name");
    const { client, socket } = await h.connect("/orders");
    assert.equal(socket.nsp, nsp);
    assert.equal(socket.nsp.name, "/orders");
    const reply = once(client, "ok");
    socket.emit("ok", nsp.name);
    assert.deepEqual(await reply, ["/orders"]);
  });

  it('an unknown namespace answers connect_error "Invalid namespace"', async () => {
    const err = await connectError(h, "/nowhere");
    assert.equal(err.message, "Invalid namespace");
  });

  it("the main namespace keeps working for a client whose other namespace was refused", async () => {
    const { client } = await h.connect("/");
    const err = await connectError(h, "/nowhere");
    assert.equal(err.message, "Invalid namespace");
    assert.equal(client.connected, true);
  });

  it("a regex namespace creates child namespaces on demand and emits new_namespace", async () => {
    const created = record<Namespace>(h.io, "new_namespace");
    const parent = h.io.of(/^\/dynamic-\d+$/);
    const parentConnections = record(parent, "connection");
    const { socket } = await h.connect("/dynamic-101");
    assert.equal(socket.nsp.name, "/dynamic-101");
    assert.equal(parentConnections.stop().length, 1, "the parent's connection listener runs for the child");
    assert.deepEqual(
      created.stop().map(([nsp]) => nsp.name),
      ["/dynamic-101"],
    );
    const err = await connectError(h, "/dynamic-abc");
    assert.equal(err.message, "Invalid namespace");
  });

  it("new_namespace is emitted for static namespaces too", async () => {
    const [nsp] = await new Promise<[Namespace]>((resolve) => {
      h.io.once("new_namespace", (n: Namespace) => resolve([n]));
      h.io.of("/static-one");
    });
    assert.equal(nsp.name, "/static-one");
  });

  it("a function namespace decides from the name and the auth payload", async () => {
    h.io.of((name, auth, next) => {
      next(null, name.startsWith("/team-") && auth.token === "secret");
    });
    const { socket } = await h.connect("/team-blue", { auth: { token: "secret" } });
    assert.equal(socket.nsp.name, "/team-blue");
    assert.deepEqual(socket.handshake.auth, { token: "secret" });
    const err = await connectError(h, "/team-red", { token: "wrong" });
    assert.equal(err.message, "Invalid namespace");
  });

  it("a function namespace that errors refuses the connection", async () => {
    h.io.of((_name, _auth, next) => next(new Error("lookup failed"), false));
    const err = await connectError(h, "/anything");
    assert.equal(err.message, "Invalid namespace");
  });

  it("a parent namespace broadcasts to every child and lends it its middlewares", async () => {
    const parent = h.io.of(/^\/room-\w+$/);
    const seen: string[] = [];
    parent.use((socket, next) => {
      seen.push(socket.nsp.name);
      next();
    });
    const a = await h.connect("/room-a");
    const b = await h.connect("/room-b");
    const main = await h.connect("/");
    assert.deepEqual(seen, ["/room-a", "/room-b"]);
    const mainMsgs = record(main.client, "news");
    const both = Promise.all([once(a.client, "news"), once(b.client, "news")]);
    parent.emit("news", "for all rooms");
    assert.deepEqual(await both, [["for all rooms"], ["for all rooms"]]);
    const sentinel = once(main.client, "sentinel");
    h.io.emit("sentinel");
    await sentinel;
    assert.deepEqual(mainMsgs.stop(), [], "the main namespace is not a child");
  });

  it("fetchSockets() is not supported on a parent namespace", async () => {
    const parent = h.io.of(/^\/p-\d+$/);
    assert.throws(() => parent.fetchSockets());
  });

  it("socket.disconnect(true) on one namespace closes the whole connection", async () => {
    h.io.of("/a");
    const { client, socket } = await h.connect("/");
    const other = client.io.socket("/a"); // connects by itself (autoConnect)
    await connected(other, "/a");
    const otherGone = once<[string]>(other, "disconnect");
    socket.disconnect(true);
    const [reason] = await otherGone;
    assert.equal(reason, "io server disconnect", "every namespace of that client is disconnected first");
    assert.equal(h.io.of("/a").sockets.size, 0);
    other.disconnect();
  });

  it("a client can join several namespaces over one connection", async () => {
    h.io.of("/a");
    h.io.of("/b");
    const first = h.client("/a");
    await connected(first);
    const second = first.io.socket("/b");
    await connected(second);
    const [connA, connB] = [...h.io.of("/a").sockets.values(), ...h.io.of("/b").sockets.values()].map((s) => s.conn);
    assert.equal(connA, connB, "both namespaces share the Engine.IO connection");
    second.disconnect();
  });
});

describe(`[${IMPL}] cleanupEmptyChildNamespaces`, () => {
  /** Connects a client to `name` (a child the parent creates for it) and resolves with both ends. */
  async function joinChild(h: Harness, parent: Namespace, name: string): Promise<{ client: ClientSocket; socket: ServerSocket }> {
    // an existing child only has the parent's listeners of the time it was created
    const serverSide = once<[ServerSocket]>(h.io._nsps.get(name) ?? parent, "connection", { what: `connection on ${name}` });
    const client = h.client(name);
    await connected(client, name);
    const [socket] = await serverSide;
    return { client, socket };
  }

  async function leave({ client, socket }: { client: ClientSocket; socket: ServerSocket }): Promise<void> {
    const gone = once(socket, "disconnect");
    client.disconnect();
    await gone;
  }

  for (const cleanup of [true, false]) {
    it(`with cleanupEmptyChildNamespaces: ${cleanup}, a child namespace is ${cleanup ? "" : "not "}recreated after its last client leaves`, async () => {
      const h = await Harness.start({ cleanupEmptyChildNamespaces: cleanup }, "websocket");
      try {
        const created = record<Namespace>(h.io, "new_namespace");
        const parent = h.io.of(/^\/dyn-\d+$/);
        await leave(await joinChild(h, parent, "/dyn-1"));
        assert.equal(h.io._nsps.has("/dyn-1"), !cleanup);
        await joinChild(h, parent, "/dyn-1");
        const names = created.stop().map(([nsp]) => nsp.name);
        assert.deepEqual(names, cleanup ? ["/dyn-1", "/dyn-1"] : ["/dyn-1"]);
      } finally {
        await h.close();
      }
    });
  }

  it("a removed child is created again with what new_namespace sets on it (middlewares, listeners); its adapter is closed", async () => {
    const h = await Harness.start({ cleanupEmptyChildNamespaces: true }, "websocket");
    try {
      const adapters: { nsp: string; closed: boolean }[] = [];
      const middlewareRuns: string[] = [];
      h.io.on("new_namespace", (nsp: Namespace) => {
        if (!nsp.name.startsWith("/dyn-")) return;
        const adapter = nsp.adapter as { close(): unknown };
        const record = { nsp: nsp.name, closed: false };
        adapters.push(record);
        const close = adapter.close.bind(adapter);
        adapter.close = () => {
          record.closed = true;
          return close();
        };
        nsp.use((socket, next) => {
          middlewareRuns.push(nsp.name);
          socket.data.checked = true;
          next();
        });
        nsp.on("connection", (socket) => socket.on("ping", (ack: (v: unknown) => void) => ack({ checked: socket.data.checked })));
      });
      const parent = h.io.of(/^\/dyn-\d+$/);
      const first = await joinChild(h, parent, "/dyn-7");
      assert.deepEqual(await first.client.emitWithAck("ping"), { checked: true });
      await leave(first);
      assert.deepEqual(adapters, [{ nsp: "/dyn-7", closed: true }], "the emptied child's adapter is closed");
      const second = await joinChild(h, parent, "/dyn-7");
      assert.deepEqual(await second.client.emitWithAck("ping"), { checked: true }, "the new child has the listener set in new_namespace");
      assert.deepEqual(middlewareRuns, ["/dyn-7", "/dyn-7"]);
      assert.deepEqual(adapters, [
        { nsp: "/dyn-7", closed: true },
        { nsp: "/dyn-7", closed: false },
      ]);
    } finally {
      await h.close();
    }
  });
});
