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
  on(event: "close", listener: (this: EngineSocketLike, reason: string, description?: unknown) => void): unknown;
  on(event: "upgrade", listener: (this: EngineSocketLike, transport: { name?: string }) => void): unknown;
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
  // One pair of listeners for every connection (the socket is `this`): a connection may stay open
  // for days, and a closure per connection would hold its own context all that time.
  function onUpgrade(this: EngineSocketLike, transport: { name?: string }): void {
    log.debug({ sid: this.id, transport: transport?.name }, "socket.io connection upgraded");
  }
  function onClose(this: EngineSocketLike, reason: string): void {
    log.debug({ sid: this.id, reason }, "socket.io connection closed");
  }
  engine.on("connection", (socket) => {
    log.debug({ sid: socket.id, transport: socket.transport?.name }, "socket.io connection opened");
    socket.on("upgrade", onUpgrade);
    socket.on("close", onClose);
  });
}
