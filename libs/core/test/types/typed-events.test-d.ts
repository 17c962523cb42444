/**
 * Type tests of the typed events on Server, Namespace, Socket, BroadcastOperator and RemoteSocket,
 * compiled by TypeScript 5 (see test/support/type-tests.ts; never run). Each `@ts-expect-error` line
 * must be an error, or the check fails.
 */
import { Server, type BroadcastOperator, type DefaultEventsMap, type Namespace, type RemoteSocket, type Socket } from "@sockline/core";

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectTrue<T extends true>(_proof?: T): void {}

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

export function namespaceChecks(io: TypedServer): void {
  const admin = io.of("/admin");
  expectTrue<Equal<typeof admin, Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>>>();
  admin.emit("message", "admin", "hello");
  // @ts-expect-error not a server-to-client event, on a namespace
  admin.emit("sync", 1);
  // @ts-expect-error wrong payload, on a namespace
  admin.emit("message", "admin");
  admin.to("room").except(["a", "b"]).volatile.compress(false).emit("message", "a", "b");
  // @ts-expect-error wrong payload through a chain of broadcast flags
  admin.to("room").local.volatile.emit("message", 1, 2);
  admin.timeout(50).emit("question", "q?", (err, answers) => {
    expectTrue<Equal<typeof err, Error>>();
    expectTrue<Equal<typeof answers, number[]>>();
  });
  admin.use((socket, next) => {
    socket.data.user.toUpperCase();
    next(new Error("refused"));
  });
  // @ts-expect-error a middleware's next takes an Error (or nothing)
  admin.use((_socket, next) => next("refused"));
  admin.on("connection", (socket) => {
    expectTrue<Equal<typeof socket, Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>>>();
    socket.on("ping", () => socket.emit("message", "server", "pong"));
    // @ts-expect-error "ping" carries no arguments
    socket.on("ping", (extra: string) => extra);
    // @ts-expect-error a listener of a client-to-server event, emitted to the client
    socket.emit("ping");
  });

  const byPattern = io.of(/^\/team-\d+$/);
  byPattern.on("connection", (socket) => socket.emit("message", socket.nsp.name, "welcome"));
}

export function defaultsChecks(): void {
  // Without event maps every event name and payload is allowed, as with the reference.
  const io = new Server();
  expectTrue<Equal<typeof io, Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, any>>>();
  io.emit("anything", 1, "two", { three: [3] });
  io.of("/x").to("y").emit("whatever");
}
