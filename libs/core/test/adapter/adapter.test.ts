import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Adapter,
  SessionAwareAdapter,
  type AckCallback,
  type AdapterNamespace,
  type AdapterSocket,
  type BroadcastFlags,
  type RecoveryOptions,
} from "@sockline/core/adapter";
import { PacketType, type Packet } from "@sockline/core/parser";

/** A socket as the adapter hands it out, recording what it is asked to do. */
class RecordingSocket implements AdapterSocket {
  data: unknown = {};
  handshake = {};
  disconnected: boolean | undefined;
  constructor(
    readonly id: string,
    private readonly adapter: () => Adapter,
  ) {}
  get rooms() {
    return this.adapter().socketRooms(this.id) ?? new Set<string>();
  }
  join(rooms: string | string[]) {
    return this.adapter().addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }
  leave(room: string) {
    return this.adapter().del(this.id, room);
  }
  disconnect(close?: boolean) {
    this.disconnected = !!close;
  }
}

interface Sent {
  ids: string[];
  packet: Packet;
  flags: BroadcastFlags | undefined;
  ack?: AckCallback;
}

/**
 * A namespace as the adapter's contract describes it: its connected sockets, and a record of the
 * operations the adapter asked for (the server's namespace writes; this one only records).
 */
class RecordingNamespace implements AdapterNamespace {
  readonly sockets = new Map<string, RecordingSocket>();
  readonly sent: Sent[] = [];
  readonly serverSideEmits: unknown[][] = [];
  constructor(
    readonly name: string,
    readonly connectionStateRecovery: RecoveryOptions | undefined,
  ) {}
  private connected(ids: Iterable<string>): string[] {
    return [...ids].filter((id) => this.sockets.has(id));
  }
  sendMany(ids: Iterable<string>, packet: Packet, flags: BroadcastFlags | undefined): void {
    this.sent.push({ ids: this.connected(ids), packet, flags });
  }
  sendManyWithAck(ids: Iterable<string>, packet: Packet, flags: BroadcastFlags | undefined, ack: AckCallback): number {
    const recipients = this.connected(ids);
    this.sent.push({ ids: recipients, packet, flags, ack });
    return recipients.length;
  }
  localSockets(ids: Iterable<string>): RecordingSocket[] {
    return this.connected(ids).map((id) => this.sockets.get(id)!);
  }
  _onServerSideEmit(args: unknown[]): void {
    this.serverSideEmits.push(args);
  }
}

function setup(AdapterClass: typeof Adapter = Adapter, recovery?: RecoveryOptions) {
  const nsp = new RecordingNamespace("/chat", recovery);
  const adapter = new AdapterClass(nsp);
  const sockets: Record<string, RecordingSocket> = {};
  for (const id of ["a", "b", "c"]) {
    const socket = new RecordingSocket(id, () => adapter);
    sockets[id] = socket;
    nsp.sockets.set(id, socket);
    adapter.addAll(id, new Set([id]));
  }
  return { nsp, adapter, sockets };
}

describe("adapter: rooms", () => {
  it("keeps rooms and sids in sync and emits the room events", () => {
    const { adapter } = setup();
    const events: string[] = [];
    for (const ev of ["create-room", "delete-room", "join-room", "leave-room"]) {
      adapter.on(ev, (...args: unknown[]) => events.push([ev, ...args].join(":")));
    }
    adapter.addAll("a", new Set(["r1", "r2"]));
    adapter.addAll("b", new Set(["r1"]));
    assert.deepEqual([...adapter.rooms.get("r1")!], ["a", "b"]);
    assert.deepEqual([...adapter.sids.get("a")!], ["a", "r1", "r2"]);
    adapter.del("a", "r1");
    adapter.delAll("b");
    assert.equal(adapter.rooms.has("r1"), false);
    assert.equal(adapter.sids.has("b"), false);
    assert.deepEqual(events, [
      "create-room:r1",
      "join-room:r1:a",
      "create-room:r2",
      "join-room:r2:a",
      "join-room:r1:b",
      "leave-room:r1:a",
      "leave-room:b:b",
      "delete-room:b",
      "leave-room:r1:b",
      "delete-room:r1",
    ]);
  });

  it("sockets() and fetchSockets() honour rooms and except", async () => {
    const { adapter } = setup();
    adapter.addAll("a", new Set(["r"]));
    adapter.addAll("b", new Set(["r", "x"]));
    assert.deepEqual([...(await adapter.sockets(new Set(["r"])))], ["a", "b"]);
    assert.deepEqual([...(await adapter.sockets(new Set()))], ["a", "b", "c"]);
    const found = await adapter.fetchSockets({ rooms: new Set(["r", "c"]), except: new Set(["x"]) });
    assert.deepEqual(
      found.map((s) => s.id),
      ["a", "c"],
    );
  });
});

describe("adapter: broadcast", () => {
  it("hands its namespace one send with the recipients' ids, each once for a room union, the namespace name set", () => {
    const { adapter, nsp } = setup();
    adapter.addAll("a", new Set(["r1", "r2"]));
    adapter.addAll("b", new Set(["r2"]));
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data: ["hi", 1] };
    adapter.broadcast(packet, { rooms: new Set(["r1", "r2"]), except: new Set() });
    assert.equal(nsp.sent.length, 1);
    assert.deepEqual(nsp.sent[0]!.ids, ["a", "b"]);
    assert.equal(nsp.sent[0]!.packet, packet);
    assert.equal(packet.nsp, "/chat");
  });

  it("every socket when no room is named; except excludes every member of the excluded rooms; flags reach the namespace", () => {
    const { adapter, nsp } = setup();
    adapter.addAll("a", new Set(["x"]));
    const flags = { volatile: true, compress: false };
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["hi"] }, { rooms: new Set(), except: new Set(["x", "b"]), flags });
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["all"] }, { rooms: new Set() });
    assert.deepEqual(nsp.sent[0]!.ids, ["c"]);
    assert.equal(nsp.sent[0]!.flags, flags);
    assert.deepEqual(nsp.sent[1]!.ids, ["a", "b", "c"]);
  });

  it("a room nobody is in, or ids of sockets not connected (yet), reach nobody", () => {
    const { adapter, nsp } = setup();
    // a middleware may make a socket join rooms before it is connected
    adapter.addAll("not-yet", new Set(["r"]));
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m"] }, { rooms: new Set(["empty"]) });
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m"] }, { rooms: new Set(["r"]) });
    assert.deepEqual(
      nsp.sent.map((s) => s.ids),
      [[], []],
    );
  });

  it("broadcastWithAck reports the count the namespace returns; the namespace gives the ack id", () => {
    const { adapter, nsp } = setup();
    let count = -1;
    const ack = () => {};
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data: ["q"] };
    adapter.broadcastWithAck(packet, { rooms: new Set(["a", "b"]) }, (n) => (count = n), ack);
    assert.equal(count, 2);
    assert.deepEqual(nsp.sent[0]!.ids, ["a", "b"]);
    assert.equal(nsp.sent[0]!.ack, ack);
    assert.equal(packet.id, undefined, "the adapter allocates no ack id of its own");
  });

  it("addSockets / delSockets / disconnectSockets apply to the matching sockets", () => {
    const { adapter, sockets } = setup();
    adapter.addSockets({ rooms: new Set(["a", "b"]) }, ["joined"]);
    assert.deepEqual([...adapter.rooms.get("joined")!], ["a", "b"]);
    adapter.delSockets({ rooms: new Set(["joined"]), except: new Set(["a"]) }, ["joined"]);
    assert.deepEqual([...adapter.rooms.get("joined")!], ["a"]);
    adapter.disconnectSockets({ rooms: new Set(["joined"]) }, true);
    assert.equal(sockets.a!.disconnected, true);
    assert.equal(sockets.b!.disconnected, undefined);
  });

  it("serverSideEmit on a single node acknowledges with no responses", async () => {
    const { adapter } = setup();
    const responses = await new Promise((resolve) => adapter.serverSideEmit(["ev", 1, (_err: unknown, res: unknown) => resolve(res)]));
    assert.deepEqual(responses, []);
    assert.equal(await adapter.serverCount(), 1);
  });
});

describe("session-aware adapter", () => {
  it("appends an offset to logged events and replays what a session missed, in order", async () => {
    const { adapter } = setup(SessionAwareAdapter, { maxDisconnectionDuration: 60_000 });
    const first = { type: PacketType.EVENT, nsp: "/", data: ["m", 1] as unknown[] };
    adapter.broadcast(first, { rooms: new Set(), except: new Set() });
    const offset = first.data[2] as string;
    assert.equal(typeof offset, "string");
    adapter.persistSession({ sid: "a", pid: "p1", rooms: ["a", "r"], data: { n: 1 } });
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m", 2] }, { rooms: new Set(["r"]), except: new Set() });
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m", 3] }, { rooms: new Set(["other"]), except: new Set() });
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m", 4] }, { rooms: new Set(), except: new Set(["r"]) });
    adapter.broadcast(
      { type: PacketType.EVENT, nsp: "/", data: ["m", 5] },
      { rooms: new Set(), except: new Set(), flags: { volatile: true } },
    );
    adapter.broadcast({ type: PacketType.EVENT, nsp: "/", data: ["m", 6] }, { rooms: new Set(["a"]), except: new Set() });
    const session = await adapter.restoreSession("p1", offset);
    assert.ok(session);
    assert.equal(session.sid, "a");
    assert.deepEqual(session.rooms, ["a", "r"]);
    assert.deepEqual(session.data, { n: 1 });
    assert.deepEqual(
      session.missedPackets.map((p) => p.slice(0, 2)),
      [
        ["m", 2],
        ["m", 6],
      ],
    );
    // Restorable only once.
    assert.equal(await adapter.restoreSession("p1", offset), null);
    adapter.close();
  });

  it("refuses unknown, expired or too-old sessions", async () => {
    const { adapter } = setup(SessionAwareAdapter, { maxDisconnectionDuration: 0 });
    const packet = { type: PacketType.EVENT, nsp: "/", data: ["m"] as unknown[] };
    adapter.broadcast(packet, { rooms: new Set(), except: new Set() });
    adapter.persistSession({ sid: "a", pid: "p", rooms: [], data: {} });
    assert.equal(await adapter.restoreSession("nope", packet.data[1] as string), null);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(await adapter.restoreSession("p", packet.data[1] as string), null, "expired");
    adapter.close();
  });

  it("caps the packet log (maxPackets) and the session table (maxSessions)", async () => {
    const { adapter } = setup(SessionAwareAdapter, { maxDisconnectionDuration: 60_000, maxPackets: 3, maxSessions: 2 });
    const offsets: string[] = [];
    for (let i = 0; i < 10; i++) {
      const packet = { type: PacketType.EVENT, nsp: "/", data: ["m", i] as unknown[] };
      adapter.broadcast(packet, { rooms: new Set(), except: new Set() });
      offsets.push(packet.data[2] as string);
    }
    for (const pid of ["p1", "p2", "p3"]) adapter.persistSession({ sid: pid, pid, rooms: [], data: {} });
    // p1 was evicted by p3; the first offsets are no longer in the log.
    assert.equal(await adapter.restoreSession("p1", offsets[8]!), null);
    assert.equal(await adapter.restoreSession("p2", offsets[0]!), null);
    const session = await adapter.restoreSession("p3", offsets[7]!);
    assert.deepEqual(
      session!.missedPackets.map((p) => p[1]),
      [8, 9],
    );
    adapter.close();
  });
});
