// The load generator's protocol clients against real servers: the implementation modules the bench
// measures (reference socket.io, Sockline, raw ws), started in-process on 127.0.0.1:0.
import { strict as assert } from "node:assert";
import { Agent } from "node:http";
import { after, before, describe, it } from "node:test";
import type { BenchClient } from "../dist/protocol/client.js";
import { connectClient } from "../dist/protocol/connect.js";
import { SioPollingClient } from "../dist/protocol/sio-polling.js";
import { BENCH_ROOM, ConnectionCounter } from "../dist/server/handlers.js";
import type { ImplFactory, RunningImpl } from "../dist/server/impl.js";
import { create as createReference } from "../dist/server/impls/socketio.js";
import { create as createSockline } from "../dist/server/impls/sockline.js";
import { create as createRawWs } from "../dist/server/impls/ws.js";
import type { ImplName } from "../dist/ipc.js";

const TIMEOUT_MS = 5000;

function reply<T>(start: (done: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cases: Array<[ImplName, ImplFactory]> = [
  ["socketio", createReference],
  ["sockline", createSockline],
  ["ws", createRawWs],
];

for (const [impl, create] of cases) {
  describe(`load-generator clients against ${impl}`, () => {
    const counter = new ConnectionCounter();
    let server: RunningImpl;
    const clients: BenchClient[] = [];

    before(async () => {
      server = await create({ counter });
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
    });

    const connect = async () => {
      const client = await connectClient(impl, { port: server.port, timeoutMs: TIMEOUT_MS });
      clients.push(client);
      return client;
    };

    it("connects and gets the echo acknowledged with the same data", async () => {
      const client = await connect();
      const payload = { n: 7, text: "héllo", list: [1, null, true] };
      assert.deepEqual(await reply((done) => client.emitWithAck("echo", payload, done)), payload);
      await waitFor(() => counter.open === clients.length, "the server to count the connection");
    });

    it("echoes a 64 KiB binary payload byte for byte", async () => {
      const client = await connect();
      const payload = Buffer.alloc(64 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
      const echoed = await reply<Buffer>((done) => client.echoBinary(payload, done));
      assert.ok(Buffer.from(echoed).equals(payload));
    });

    it("receives broadcasts to everyone and to the room only", async () => {
      const [inRoom, outside] = [await connect(), await connect()];
      await reply((done) => inRoom.emitWithAck("join", BENCH_ROOM, done));
      const seen: Array<[string, unknown]> = [];
      inRoom.onEvent("tick", (data) => seen.push(["in", data]));
      outside.onEvent("tick", (data) => seen.push(["out", data]));
      outside.emit("bcast", { k: 1 });
      await waitFor(() => seen.length >= 2, "both clients to get the broadcast");
      inRoom.emit("bcastRoom", { k: 2 });
      await waitFor(() => seen.some(([, data]) => (data as { k: number }).k === 2), "the room broadcast");
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(
        seen.filter(([, data]) => (data as { k: number }).k === 2),
        [["in", { k: 2 }]],
      );
    });

    it("closes cleanly and the server counts the disconnects", async () => {
      const client = await connect();
      await waitFor(() => counter.open === clients.length, "the connection");
      clients.splice(clients.indexOf(client), 1);
      await client.close();
      await waitFor(() => counter.open === clients.length, "the disconnect");
    });

    if (impl !== "ws") {
      it("runs echo with ack over HTTP long-polling", async () => {
        const agent = new Agent({ keepAlive: true });
        const client = await SioPollingClient.connect(agent, server.port, TIMEOUT_MS);
        try {
          const first = await reply((done) => client.emitWithAck("echo", { n: 1 }, done));
          const second = await reply((done) => client.emitWithAck("echo", "two", done));
          assert.deepEqual([first, second], [{ n: 1 }, "two"]);
        } finally {
          await client.close();
          agent.destroy();
        }
      });
    }
  });
}
