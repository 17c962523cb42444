/**
 * The slice of the engine the Socket.IO layer uses, named structurally so that `bind()` accepts any
 * engine with the engine.io 6.x shape (ours, or the reference `engine.io`).
 */
import type { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { SharedMessage } from "../engine/index.js";

export interface EngineTransport {
  readonly name: string;
  readonly writable?: boolean;
}

export interface EngineWriteOptions {
  compress?: boolean;
  [key: string]: unknown;
}

/** One Engine.IO session (engine.io's `Socket`). */
export interface EngineConnection extends EventEmitter {
  readonly id: string;
  readonly request: IncomingMessage;
  readonly protocol: number;
  readonly readyState: string;
  readonly transport: EngineTransport;
  readonly remoteAddress: string;
  write(data: any, opts?: EngineWriteOptions | object, cb?: () => void): unknown;
  /** Only Sockline's engine: writes a message shared by the recipients of a broadcast (framed once). */
  sendShared?(message: SharedMessage, cb?: () => void): unknown;
  close(discard?: boolean): unknown;
}

/** An Engine.IO server (engine.io's `Server`). */
export interface EngineLike extends EventEmitter {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** `options.headers` go into the 101 answer; an engine without that parameter ignores them. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options?: { headers?: Record<string, unknown> }): void;
  attach?(server: unknown, opts?: Record<string, unknown>): void;
  close(): unknown;
  readonly clientsCount: number;
}
