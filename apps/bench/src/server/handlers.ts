// The handlers every Socket.IO-compatible implementation under test runs, written once against the
// structural subset of the server API they need, so Sockline and the reference run the same code.

/** Room used by the room fan-out scenario. */
export const BENCH_ROOM = "bench-room";

type Ack = (...args: unknown[]) => void;

/** The part of a server-side socket the handlers use. */
export interface HandlerSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  join(room: string): unknown;
}

/** The part of a Socket.IO server the handlers use. */
export interface HandlerServer {
  on(event: "connection", listener: (socket: any) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
}

/** Live connection count, kept by the handlers so every implementation is counted the same way. */
export class ConnectionCounter {
  open = 0;
}

/** The payload of a slow-consumer broadcast: `bytes` characters, made once per size. */
const bigPayloads = new Map<number, string>();
function bigPayload(bytes: unknown): string {
  const size = typeof bytes === "number" && bytes > 0 && bytes <= 16 * 1024 * 1024 ? Math.floor(bytes) : 1024;
  let payload = bigPayloads.get(size);
  if (payload === undefined) bigPayloads.set(size, (payload = "x".repeat(size)));
  return payload;
}

function asAck(value: unknown): Ack | undefined {
  return typeof value === "function" ? (value as Ack) : undefined;
}

export function installHandlers(io: HandlerServer, counter: ConnectionCounter): void {
  io.on("connection", (socket: HandlerSocket) => {
    counter.open++;
    socket.on("echo", (data: unknown, ack: unknown) => asAck(ack)?.(data));
    socket.on("bin", (data: unknown, ack: unknown) => asAck(ack)?.(data));
    socket.on("join", (room: unknown, ack: unknown) => {
      socket.join(typeof room === "string" ? room : BENCH_ROOM);
      asAck(ack)?.(true);
    });
    socket.on("bcast", (data: unknown) => io.emit("tick", data));
    socket.on("bcastRoom", (data: unknown) => io.to(BENCH_ROOM).emit("tick", data));
    socket.on("bigcast", (bytes: unknown) => io.emit("big", bigPayload(bytes)));
    socket.on("disconnect", () => {
      counter.open--;
    });
  });
}
