// Compile-time check of the typed-events API of @sockline/core: the same declarations the reference
// documents (`Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`).
// Every `@ts-expect-error` line must be an error, every other line must compile; the build is the
// test. A short runtime round trip then checks the typed server really works with a typed client.
//
// This file imports @sockline/core statically, so it is built only by libs/core/test/tsconfig.json
// (the conformance tsconfig excludes it).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import { Server, type Socket, type RemoteSocket } from "@sockline/core";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  ask: (question: string, callback: (answer: number) => void) => void;
}

interface InterServerEvents {
  ping: () => void;
}

interface SocketData {
  name: string;
  age: number;
}

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Never called: only type-checked. */
export function typeChecks(io: TypedServer): void {
  io.on("connection", (socket: TypedSocket) => {
    socket.emit("noArg");
    socket.emit("basicEmit", 1, "2", Buffer.from([3]));
    // @ts-expect-error the first argument of basicEmit is a number
    socket.emit("basicEmit", "1", "2", Buffer.from([3]));
    // @ts-expect-error basicEmit takes three arguments
    socket.emit("basicEmit", 1);
    // @ts-expect-error no such server-to-client event
    socket.emit("unknown");

    socket.emit("withAck", "4", (e) => {
      const n: number = e;
      void n;
    });
    socket.timeout(100).emit("withAck", "4", (err, e) => {
      const error: Error = err;
      const n: number = e;
      void [error, n];
    });
    const answer: Promise<number> = socket.emitWithAck("withAck", "4");
    void answer;

    socket.on("hello", () => undefined);
    socket.on("ask", (question, callback) => {
      const q: string = question;
      void q;
      callback(42);
      // @ts-expect-error the ack of "ask" takes a number
      callback("forty-two");
    });
    // @ts-expect-error no such client-to-server event
    socket.on("nope", () => undefined);

    socket.data.name = "john";
    // @ts-expect-error age is a number
    socket.data.age = "old";

    socket.to("room").emit("basicEmit", 1, "2", Buffer.from([]));
    socket.broadcast.timeout(100).emit("withAck", "4", (err, responses) => {
      const all: number[] = responses;
      void [err, all];
    });
    // @ts-expect-error the broadcast ack receives one number per client
    socket.broadcast.timeout(100).emit("withAck", "4", (_err: Error, responses: string[]) => void responses);
  });

  io.emit("noArg");
  io.to("room").except("other").emit("basicEmit", 1, "2", Buffer.from([]));
  // @ts-expect-error no such server-to-client event
  io.emit("unknown");
  // @ts-expect-error a broadcast without timeout cannot wait for acks
  io.emit("withAck", "4", () => undefined);
  io.timeout(1000).emit("withAck", "4", (err, responses) => {
    const error: Error = err;
    const all: number[] = responses;
    void [error, all];
  });
  const responses: Promise<number[]> = io.timeout(1000).emitWithAck("withAck", "4");
  void responses;

  io.serverSideEmit("ping");
  // @ts-expect-error no such inter-server event
  io.serverSideEmit("pong");
  io.on("ping", () => undefined);

  void io.fetchSockets().then((sockets: RemoteSocket<ServerToClientEvents, SocketData>[]) => {
    const name: string = sockets[0].data.name;
    void name;
    sockets[0].emit("basicEmit", 1, "2", Buffer.from([]));
    // @ts-expect-error no such server-to-client event
    sockets[0].emit("unknown");
  });

  io.of("/typed").on("connection", (socket) => {
    const age: number = socket.data.age;
    void age;
  });
}

describe("[sockline] typed events at run time", () => {
  it("a typed server and a typed official client exchange events and acks", async () => {
    const httpServer = createServer();
    const io: TypedServer = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer);
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const { port } = httpServer.address() as AddressInfo;
    const client: ClientSocket<ServerToClientEvents, ClientToServerEvents> = connectClient(`http://127.0.0.1:${port}`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    try {
      io.on("connection", (socket) => {
        socket.data.name = "ada";
        socket.on("ask", (question, callback) => callback(question.length));
        socket.emit("basicEmit", 1, "2", Buffer.from([3]));
      });
      const basic = new Promise<[number, string, unknown]>((resolve) => client.on("basicEmit", (a, b, c) => resolve([a, b, c])));
      const [a, b] = await basic;
      assert.deepEqual([a, b], [1, "2"]);
      assert.equal(await client.emitWithAck("ask", "four"), 4);
      const [remote] = await io.fetchSockets();
      assert.equal(remote.data.name, "ada");
    } finally {
      client.disconnect();
      await io.close();
      httpServer.closeAllConnections();
    }
  });
});
