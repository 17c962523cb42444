import type { FastifyBaseLogger } from "fastify";
import type { Server } from "@sockline/core";

interface ConnectionErrorLike {
  code?: unknown;
  message?: unknown;
  context?: unknown;
  req?: { url?: string; headers?: Record<string, unknown> };
}

interface EngineSocketLike {
  id: string;
  transport?: { name?: string };
  on(event: "close", listener: (reason: string, description?: unknown) => void): unknown;
  on(event: "upgrade", listener: (transport: { name?: string }) => void): unknown;
}

/** Sends the engine's errors and lifecycle events to the Fastify logger. */
export function forwardEngineEventsToLogger(io: Server<any, any, any, any>, log: FastifyBaseLogger): void {
  const engine = io.engine as unknown as {
    on(event: "connection_error", listener: (err: ConnectionErrorLike) => void): unknown;
    on(event: "connection", listener: (socket: EngineSocketLike) => void): unknown;
  };
  engine.on("connection_error", (err) => {
    // Rejected handshakes are the client's problem (bad sid, wrong protocol...): warn, not error.
    log.warn({ code: err.code, context: err.context, url: err.req?.url }, `socket.io connection error: ${String(err.message)}`);
  });
  engine.on("connection", (socket) => {
    log.debug({ sid: socket.id, transport: socket.transport?.name }, "socket.io connection opened");
    socket.on("upgrade", (transport) => log.debug({ sid: socket.id, transport: transport?.name }, "socket.io connection upgraded"));
    socket.on("close", (reason) => log.debug({ sid: socket.id, reason }, "socket.io connection closed"));
  });
}
