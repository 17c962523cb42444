// Issue 11, item 7: one client asking for 10,000 names matching a dynamic namespace used to leave
// 10,000 namespaces behind. Children created for clients are removed once empty (on by default)
// and bounded per parent (maxChildNamespaces); children the application creates are left alone.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Diagnostic } from "@sockline/core/engine";
import { Adapter, type Namespace, type ServerOptions } from "@sockline/core";
import { closeClients, connected, connectError, once, openClient, waitUntil, type ClientSocket } from "@sockline/e2e/support";
import { RawClient } from "../conformance/helpers/raw.js";
import { Fixture } from "./helpers.js";

const DYNAMIC = /^\/dyn-\d+$/;

describe("child namespaces created for clients", () => {
  let fx: Fixture | undefined;
  const clients: ClientSocket[] = [];
  const raws: RawClient[] = [];
  afterEach(async () => {
    closeClients(clients.splice(0));
    for (const raw of raws.splice(0)) raw.close();
    await fx?.close();
    fx = undefined;
  });

  async function start(options: Partial<ServerOptions> = {}): Promise<Fixture> {
    fx = await new Fixture(options).start();
    return fx;
  }

  function client(nsp: string): ClientSocket {
    const socket = openClient(fx!.url + nsp, { transports: ["websocket"] });
    clients.push(socket);
    return socket;
  }

  it("are removed once their last socket leaves, by default (the reference keeps them unless cleanupEmptyChildNamespaces)", async () => {
    const { io } = await start();
    const parent = io.of(DYNAMIC);
    const socket = client("/dyn-1");
    await connected(socket);
    assert.equal(io._nsps.has("/dyn-1"), true);
    const serverSide = [...io._nsps.get("/dyn-1")!.sockets.values()][0]!;
    const gone = once(serverSide, "disconnect");
    socket.disconnect();
    await gone;
    assert.equal(io._nsps.has("/dyn-1"), false);
    assert.equal((parent as unknown as { children: Set<unknown> }).children.size, 0);
  });

  it("a child refused by a middleware is not kept either", async () => {
    const { io } = await start();
    io.of(DYNAMIC).use((_socket, next) => next(new Error("not allowed")));
    const error = await connectError(client("/dyn-2"));
    assert.equal(error.message, "not allowed");
    await waitUntil(() => !io._nsps.has("/dyn-2"), "the refused child to be removed");
  });

  it("children the application created with io.of(name) are kept, with what it set on them", async () => {
    const { io } = await start();
    io.of(DYNAMIC);
    const admin = io.of("/dyn-0");
    admin.use((socket, next) => {
      socket.data.admin = true;
      next();
    });
    admin.on("connection", (socket) => socket.on("who", (ack: (v: unknown) => void) => ack(socket.data.admin)));
    for (let round = 0; round < 2; round++) {
      const socket = client("/dyn-0");
      await connected(socket);
      assert.equal(await socket.emitWithAck("who"), true, `round ${round}`);
      const serverSide = [...admin.sockets.values()][0]!;
      const gone = once(serverSide, "disconnect");
      socket.disconnect();
      await gone;
      assert.equal(io._nsps.get("/dyn-0"), admin, "the same namespace object, still registered");
    }
  });

  it("cleanupEmptyChildNamespaces: false keeps them (the reference's default)", async () => {
    const { io } = await start({ cleanupEmptyChildNamespaces: false });
    io.of(DYNAMIC);
    const socket = client("/dyn-3");
    await connected(socket);
    const serverSide = [...io._nsps.get("/dyn-3")!.sockets.values()][0]!;
    const gone = once(serverSide, "disconnect");
    socket.disconnect();
    await gone;
    assert.equal(io._nsps.has("/dyn-3"), true);
  });

  it("with connection state recovery, an emptied child stays for maxDisconnectionDuration, so its sessions can be recovered", async () => {
    const { io } = await start({ connectionStateRecovery: { maxDisconnectionDuration: 200 } });
    io.of(DYNAMIC).on("connection", (socket) => {
      if (!socket.recovered) void socket.join("kept-room");
    });
    const raw = await RawClient.connect(fx!.url);
    raws.push(raw);
    raw.sendPacket("0/dyn-4,");
    const answer = JSON.parse((await raw.nextText("CONNECT answer")).slice("0/dyn-4,".length)) as { sid: string; pid: string };
    // a broadcast gives the client the offset it will recover from
    io.of("/dyn-4").emit("tick");
    const [, offset] = JSON.parse((await raw.nextText("the broadcast")).slice("2/dyn-4,".length)) as [string, string];
    // the connection breaks (a recoverable reason): the session is kept in the child's adapter
    raw.close();
    await waitUntil(() => io._nsps.get("/dyn-4")?.sockets.size === 0, "the socket to leave");
    assert.equal(io._nsps.has("/dyn-4"), true, "kept while its session may come back");
    const back = openClient(fx!.url + "/dyn-4", { transports: ["websocket"], auth: { pid: answer.pid, offset } });
    clients.push(back);
    await connected(back);
    const serverSide = [...io._nsps.get("/dyn-4")!.sockets.values()][0]!;
    assert.equal(serverSide.recovered, true);
    assert.equal(back.id, answer.sid);
    assert.deepEqual([...serverSide.rooms].sort(), [answer.sid, "kept-room"].sort());
    const gone = once(serverSide, "disconnect");
    back.disconnect();
    await gone;
    // then removed, once nobody came back within maxDisconnectionDuration
    await waitUntil(() => !io._nsps.has("/dyn-4"), "the emptied child to be removed after maxDisconnectionDuration");
  });

  it("the adapter of a removed child is closed; a parent broadcast reaches the children still there", async () => {
    const closed: string[] = [];
    class RecordingAdapter extends Adapter {
      override close(): void {
        closed.push(this.nsp.name);
        super.close();
      }
    }
    const { io } = await start({ adapter: RecordingAdapter });
    const parent = io.of(DYNAMIC);
    const staying = client("/dyn-5");
    const leaving = client("/dyn-6");
    await Promise.all([connected(staying), connected(leaving)]);
    const serverSide = [...io._nsps.get("/dyn-6")!.sockets.values()][0]!;
    const gone = once(serverSide, "disconnect");
    leaving.disconnect();
    await gone;
    assert.deepEqual(closed, ["/dyn-6"]);
    const news = once(staying, "news");
    parent.emit("news", "for every child");
    assert.deepEqual(await news, ["for every child"]);
  });
});

describe("bounds on the namespaces clients ask for (maxChildNamespaces, maxNamespacesPerConnection)", () => {
  let fx: Fixture | undefined;
  const raws: RawClient[] = [];
  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.close();
    await fx?.close();
    fx = undefined;
  });

  it("past the bound a CONNECT to a new name gets 'Invalid namespace' and a diagnostic; the connection and its namespaces carry on", async () => {
    fx = await new Fixture({ maxChildNamespaces: 3 }).start();
    const { io } = fx;
    const reports: Diagnostic[] = [];
    io.diagnostics.on("diagnostic", (d) => reports.push(d));
    io.of(DYNAMIC).on("connection", (socket) => socket.on("ping", (ack: (v: string) => void) => ack(socket.nsp.name)));
    // the application's own children do not count
    io.of("/dyn-100");
    const raw = await RawClient.connect(fx.url);
    raws.push(raw);
    for (let i = 1; i <= 3; i++) {
      raw.sendPacket(`0/dyn-${i},`);
      assert.match(await raw.nextText(), new RegExp(`^0/dyn-${i},\\{"sid"`));
    }
    raw.sendPacket("0/dyn-4,");
    assert.equal(await raw.nextText(), '4/dyn-4,{"message":"Invalid namespace"}');
    assert.equal(io._nsps.has("/dyn-4"), false);
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.deepEqual(
      {
        kind: report!.kind,
        name: report!.name,
        nsp: report!.nsp,
        packetType: report!.packetType,
        value: report!.value,
        limit: report!.limit,
        sid: report!.sid,
      },
      { kind: "limit", name: "maxChildNamespaces", nsp: "/dyn-4", packetType: "CONNECT", value: 3, limit: 3, sid: raw.open.sid },
    );
    assert.equal(report!.action, "namespace refused (CONNECT_ERROR)");
    // an existing child is still joined, and the connection still works
    raw.sendPacket('2/dyn-1,7["ping"]');
    assert.equal(await raw.nextText(), '3/dyn-1,7["/dyn-1"]');
    // leaving a child makes room for another
    raw.sendPacket("1/dyn-2,");
    await waitUntil(() => !io._nsps.has("/dyn-2"), "the emptied child to be removed");
    raw.sendPacket("0/dyn-4,");
    assert.match(await raw.nextText(), /^0\/dyn-4,\{"sid"/);
  });

  it("one client asking for 10,000 names holds at most maxChildNamespaces, and nothing once it leaves", async () => {
    // the per-connection bound (maxNamespacesPerConnection, below) lifted: this is the parent's bound alone
    fx = await new Fixture({ maxNamespacesPerConnection: Infinity }).start();
    const { io } = fx;
    let reports = 0;
    io.diagnostics.on("diagnostic", () => reports++);
    const parent = io.of(DYNAMIC) as Namespace & { childrenCreatedForClients: number };
    const raw = await RawClient.connect(fx.url);
    raws.push(raw);
    for (let i = 0; i < 10_000; i++) raw.sendPacket(`0/dyn-${i},`);
    let accepted = 0;
    let refused = 0;
    while (accepted + refused < 10_000) {
      const frame = await raw.nextText();
      if (frame.startsWith("0/")) accepted++;
      else if (frame.endsWith('{"message":"Invalid namespace"}')) refused++;
    }
    assert.deepEqual([accepted, refused, reports], [1000, 9000, 9000]);
    assert.equal(parent.childrenCreatedForClients, 1000);
    raw.close();
    await waitUntil(() => parent.childrenCreatedForClients === 0 && io._nsps.size === 1, "every child to be removed");
  });

  it("one client asking for 10,000 names joins 100 by default; the others are refused with a diagnostic each, other clients are not", async () => {
    fx = await new Fixture().start();
    const { io } = fx;
    const reports: Diagnostic[] = [];
    io.diagnostics.on("diagnostic", (d) => reports.push(d));
    const parent = io.of(DYNAMIC) as Namespace & { childrenCreatedForClients: number };
    const greedy = await RawClient.connect(fx.url);
    raws.push(greedy);
    for (let i = 0; i < 10_000; i++) greedy.sendPacket(`0/dyn-${i},`);
    let accepted = 0;
    let refused = 0;
    while (accepted + refused < 10_000) {
      const frame = await greedy.nextText();
      if (frame.startsWith("0/")) accepted++;
      else if (frame.endsWith('{"message":"Too many namespaces on this connection"}')) refused++;
    }
    assert.deepEqual([accepted, refused], [100, 9900]);
    assert.equal(parent.childrenCreatedForClients, 100);
    assert.equal(reports.length, 9900);
    assert.deepEqual(
      { kind: reports[0]!.kind, name: reports[0]!.name, value: reports[0]!.value, limit: reports[0]!.limit, sid: reports[0]!.sid },
      { kind: "limit", name: "maxNamespacesPerConnection", value: 100, limit: 100, sid: greedy.open.sid },
    );
    // the parent's quota is left for the others
    const other = await RawClient.connect(fx.url);
    raws.push(other);
    other.sendPacket("0/dyn-20000,");
    assert.match(await other.nextText(), /^0\/dyn-20000,\{"sid"/);
    // leaving one makes room for one more on the greedy connection
    greedy.sendPacket("1/dyn-0,");
    await waitUntil(() => !io._nsps.has("/dyn-0"), "the emptied child to be removed");
    greedy.sendPacket("0/dyn-50000,");
    assert.match(await greedy.nextText(), /^0\/dyn-50000,\{"sid"/);
  });
});
