/**
 * Compile-time checks of the typed events: this file only has to build. Each `@ts-expect-error` line
 * must be an error, or the build fails.
 */
import { it } from "node:test";
import { Server, type Namespace, type RemoteSocket, type Socket, type BroadcastOperator } from "@sockline/core";

interface ClientToServerEvents {
  chat: (text: string, ack: (ok: boolean) => void) => void;
  ping: () => void;
}
interface ServerToClientEvents {
  message: (from: string, text: string) => void;
  question: (q: string, answer: (a: number) => void) => void;
}
interface InterServerEvents {
  sync: (version: number) => void;
}
interface SocketData {
  user: string;
}

type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export function typeChecks(io: TypedServer): void {
  io.on("connection", (socket) => {
    const s: Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = socket;
    s.data.user.toUpperCase();
    // @ts-expect-error SocketData has no such field
    s.data.age;

    s.on("chat", (text, ack) => {
      text.toUpperCase();
      ack(true);
      // @ts-expect-error the ack takes a boolean
      ack("yes");
    });
    // @ts-expect-error not a client-to-server event
    s.on("unknown", () => {});
    s.on("disconnect", (reason) => reason.length);

    s.emit("message", "server", "hi");
    // @ts-expect-error wrong argument type
    s.emit("message", "server", 42);
    // @ts-expect-error not a server-to-client event
    s.emit("chat", "x");
    s.emit("question", "q?", (a) => a.toFixed());
    s.timeout(100).emit("question", "q?", (err, a) => (err ? err.message : a.toFixed()));
    const answer: Promise<number> = s.emitWithAck("question", "q?");
    void answer;

    s.to("room").emit("message", "a", "b");
    // @ts-expect-error wrong argument type in a broadcast
    s.broadcast.emit("message", 1, 2);
  });

  io.emit("message", "all", "hi");
  // @ts-expect-error a broadcast without timeout cannot wait for an ack
  io.emit("question", "q?", (a: number) => a);
  io.timeout(100).emit("question", "q?", (err, answers) => (err ? err.message : answers.map((a) => a.toFixed())));
  const answers: Promise<number[]> = io.timeout(100).emitWithAck("question", "q?");
  void answers;

  io.serverSideEmit("sync", 1);
  // @ts-expect-error wrong inter-server argument
  io.serverSideEmit("sync", "1");
  io.on("sync", (version) => version.toFixed());

  const nsp: Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = io.of("/admin");
  const op: BroadcastOperator<ServerToClientEvents, SocketData> = nsp.to("r").except("x");
  op.emit("message", "x", "y");
  void nsp.fetchSockets().then((sockets: RemoteSocket<ServerToClientEvents, SocketData>[]) => {
    for (const remote of sockets) {
      remote.data.user.toLowerCase();
      remote.emit("message", "a", "b");
      // @ts-expect-error wrong argument type on a remote socket
      remote.emit("message", 1);
    }
  });

  const untyped = new Server();
  untyped.on("connection", (socket) => {
    socket.emit("anything", 1, { a: 2 }, () => {});
    socket.on("whatever", (...args: unknown[]) => args);
  });
  void untyped.close();
}

it("typed events compile (see the @ts-expect-error lines)", () => {});
