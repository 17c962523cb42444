/**
 * One Engine.IO session: its transport (polling or WebSocket), the upgrade from
 * polling to WebSocket, the heartbeat, the write buffer and the close reasons.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import createDebug from "debug";
import type { HeartbeatEntry, HeartbeatQueue } from "./heartbeat.js";
import { toSendData, type Packet, type PacketOptions, type PacketType, type RawData, type SendData } from "./packet.js";
import type { SessionContext } from "./session-context.js";
import type { SharedMessage } from "./shared-message.js";
import type { DirectTransport, Transport, TransportOwner, TransportRefusal } from "./transports/transport.js";

const debug = createDebug("sockline:engine:socket");

export type ReadyState = "opening" | "open" | "closing" | "closed";

/** Close reasons, as the reference engine names them. */
export type CloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "forced close"
  | "parse error"
  | "server shutting down"
  | "transport buffer full"
  | (string & {});

export interface SendOptions {
  /** Whether the message may be compressed. Default true. */
  compress?: boolean;
  /** The message's complete WebSocket frame, shared by a broadcast (see `PacketOptions`). */
  wsPreEncodedFrame?: Buffer | Buffer[];
}

/**
 * The write buffer of every session with nothing buffered (most of them, most of the time): an
 * array per session would cost 32 bytes each. Frozen, so a stray push fails instead of leaking into
 * other sessions.
 */
const NOTHING_BUFFERED = Object.freeze([]) as unknown as Packet[];

/** The options of a shared message that may not be compressed. */
const UNCOMPRESSED: SendOptions = Object.freeze({ compress: false });

/** Interval of the noop writes that release the pending GET of a session being upgraded. */
const UPGRADE_CHECK_INTERVAL = 100;

interface UpgradeState {
  transport: Transport;
  timeout: NodeJS.Timeout;
  check: NodeJS.Timeout | null;
}

export interface SocketEvents {
  open: [];
  message: [data: RawData];
  data: [data: RawData];
  packet: [packet: Packet];
  packetCreate: [packet: Packet];
  heartbeat: [];
  upgrading: [transport: Transport];
  upgrade: [transport: Transport];
  drain: [];
  flush: [buffer: Packet[]];
  close: [reason: CloseReason, description?: unknown];
  error: [err: Error];
}

/**
 * @internal The layer above (the Socket.IO client of this session) hears about data and the close
 * through direct calls rather than listeners: an idle session then keeps no listener table. It is
 * called before the "data" / "close" listeners.
 */
export interface SessionHandler {
  onData(data: RawData): void;
  onClose(reason: CloseReason, description?: unknown): void;
}

export class Socket extends EventEmitter implements TransportOwner, HeartbeatEntry {
  /** The Engine.IO protocol revision of the session (3 only under `allowEIO3`, see `eio3/socket.ts`). */
  readonly protocol: 3 | 4 = 4;
  readyState: ReadyState = "opening";
  transport: Transport;
  upgrading = false;
  upgraded = false;
  readonly remoteAddress: string;
  /** Packets waiting for the transport to be writable. */
  writeBuffer: Packet[] = NOTHING_BUFFERED;
  /** Size of the data in writeBuffer (a string counts its length), for `maxBufferedBytes`. */
  private writeBufferBytes = 0;
  /** Callbacks of the packets in writeBuffer (null while none: the common case). */
  private packetCallbacks: (() => void)[] | null = null;
  private upgrade: UpgradeState | null = null;
  /** Whether a packet already extended the current pong wait (once per ping, as the reference does). */
  private pongWaitExtended = false;
  private handler: SessionHandler | null = null;

  /** @internal heartbeat queue links */ hbPrev: HeartbeatEntry | null = null;
  /** @internal */ hbNext: HeartbeatEntry | null = null;
  /** @internal */ hbQueue: HeartbeatQueue | null = null;
  /** @internal */ hbDeadline = 0;

  constructor(
    readonly id: string,
    /** What this session needs from its server (the heartbeat, the options, where to report). */
    protected readonly context: SessionContext<Socket>,
    transport: Transport,
    /** The handshake request (kept: frameworks store session data on it). */
    readonly request: IncomingMessage,
  ) {
    super();
    // EventEmitter's listener table is a dictionary-mode object (~180 bytes); Node's emitter creates
    // it on the first listener when it is undefined, and most sessions never get one.
    (this as unknown as { _events: object | undefined })._events = undefined;
    this.remoteAddress = request.socket?.remoteAddress ?? "";
    this.transport = transport;
    transport.owner = this;
    this.onOpen();
  }

  private onOpen(): void {
    this.readyState = "open";
    const opts = this.context.opts;
    this.sendPacket(
      "open",
      JSON.stringify({
        sid: this.id,
        upgrades: this.context.upgradesFor(this.transport.name),
        pingInterval: opts.pingInterval,
        pingTimeout: opts.pingTimeout,
        maxPayload: opts.maxHttpBufferSize,
      }),
    );
    if (opts.initialPacket !== undefined) this.sendPacket("message", toSendData(opts.initialPacket));
    this.emit("open");
    this.startHeartbeat();
  }

  /** Protocol 4: the server pings. (Called from the constructor: it may use no field of a subclass.) */
  protected startHeartbeat(): void {
    this.context.heartbeat.schedulePing(this);
  }

  /** @internal Sets (or clears, with null) the layer told of data and close; see `SessionHandler`. */
  _setHandler(handler: SessionHandler | null): true {
    this.handler = handler;
    return true;
  }

  // ---- heartbeat (driven by the server's HeartbeatScheduler) ----

  /**
   * @internal A closing session keeps its heartbeat deadlines, as the reference's timers run on
   * after `close()`: a polling client that went away before taking its close packet is closed
   * at the ping timeout (or by the transport's own close wait if that ends first).
   */
  onPingDue(): void {
    if (this.readyState === "closed") return;
    if (this.readyState === "open") {
      this.pongWaitExtended = false;
      this.sendPacket("ping");
    }
    this.context.heartbeat.expectPong(this);
  }

  /** @internal */
  onPongOverdue(): void {
    if (this.readyState === "closed") return;
    debug("session %s: no pong within %dms", this.id, this.context.opts.pingTimeout);
    // a close that could not be delivered in time is not waited for any longer
    if (this.readyState === "closing") this.transport.terminate();
    this.onClose("ping timeout");
  }

  // ---- TransportOwner ----

  onTransportMessage(transport: Transport, data: RawData): void {
    if (transport !== this.transport) return this.onUpgradePacket(transport, { type: "message", data });
    if (this.readyState !== "open") return;
    this.extendPongWait();
    this.context.metrics.received(data);
    if (this.listenerCount("packet") > 0) this.emit("packet", { type: "message", data });
    if (this.handler !== null) this.handler.onData(data);
    this.emit("data", data);
    this.emit("message", data);
  }

  onTransportPacket(transport: Transport, packet: Packet): void {
    if (transport !== this.transport) return this.onUpgradePacket(transport, packet);
    if (this.readyState !== "open") return;
    this.emit("packet", packet);
    switch (packet.type) {
      case "pong":
        if (this.context.heartbeat.isWaitingForPong(this)) this.context.heartbeat.schedulePing(this);
        this.emit("heartbeat");
        break;
      case "ping":
        // protocol 4: only the server pings
        this.report({
          kind: "violation",
          name: "invalid-heartbeat",
          message: "ping sent by the client (in protocol 4 only the server pings)",
          action: "connection closed",
          packetType: "ping",
        });
        this.onClose("transport error", new Error(`session ${this.id}: ping received from the client (invalid heartbeat direction)`));
        break;
      case "error":
        this.report({ kind: "violation", name: "invalid-packet", message: "undecodable Engine.IO packet", action: "connection closed" });
        this.onClose("parse error");
        break;
      case "noop":
        this.extendPongWait();
        break;
      default:
        // open/upgrade on an established transport make no sense; they are ignored like the reference does
        this.extendPongWait();
        break;
    }
  }

  onTransportReady(transport: Transport): void {
    if (transport === this.transport) this.flush();
  }

  onTransportError(transport: Transport, description: string | Error): void {
    if (transport !== this.transport) return this.cancelUpgrade(`upgrade transport error: ${String(description)}`);
    debug("session %s: transport error: %s", this.id, description);
    this.onClose("transport error", description);
  }

  onTransportClose(transport: Transport): void {
    if (transport !== this.transport) return this.cancelUpgrade("upgrade transport closed");
    this.onClose("transport close");
  }

  onTransportRefusal(transport: Transport, refusal: TransportRefusal): void {
    this.report(refusal, transport);
  }

  /** Reports a refusal of this session to the server's diagnostics (once per refusal). */
  protected report(refusal: TransportRefusal, transport: Transport = this.transport): void {
    this.context.diagnostics.report({ ...refusal, sid: this.id, remoteAddress: this.remoteAddress, transport: transport.name });
  }

  /** Any packet while a pong is awaited proves the client is alive: extend the wait once (as the reference). */
  private extendPongWait(): void {
    if (this.pongWaitExtended) return;
    const heartbeat = this.context.heartbeat;
    if (!heartbeat.isWaitingForPong(this)) return;
    this.pongWaitExtended = true;
    heartbeat.expectPong(this);
  }

  // ---- upgrade from polling to WebSocket ----

  /** @internal Starts the upgrade to `transport` (a WebSocket opened with this session's sid). */
  maybeUpgrade(transport: Transport): void {
    debug("session %s: upgrade from %s to %s requested", this.id, this.transport.name, transport.name);
    this.upgrading = true;
    transport.owner = this;
    const timeout = setTimeout(() => this.cancelUpgrade("upgrade timeout"), this.context.opts.upgradeTimeout);
    this.upgrade = { transport, timeout, check: null };
  }

  private onUpgradePacket(transport: Transport, packet: Packet): void {
    const upgrade = this.upgrade;
    if (!upgrade || upgrade.transport !== transport) return;
    if (packet.type === "ping" && packet.data === "probe") {
      transport.send([{ type: "pong", data: "probe" }]);
      // set before "upgrading": it also marks the probe as answered, which `shutDown()` (maybe
      // called by a listener) relies on
      if (!upgrade.check) upgrade.check = setInterval(() => this.releasePendingPoll(), UPGRADE_CHECK_INTERVAL);
      this.emit("upgrading", transport);
      // release the pending GET so the client can pause polling and send the upgrade packet
      this.releasePendingPoll();
      return;
    }
    if (packet.type === "upgrade" && this.readyState !== "closed") {
      this.completeUpgrade(upgrade);
      return;
    }
    this.report(
      {
        kind: "violation",
        name: "invalid-upgrade",
        message: `unexpected "${packet.type}" packet during the upgrade`,
        action: "upgrade abandoned",
        packetType: packet.type,
      },
      transport,
    );
    this.cancelUpgrade(`unexpected "${packet.type}" packet during the upgrade`);
  }

  private releasePendingPoll(): void {
    if (this.transport.name === "polling" && this.transport.acceptsWrites && this.writeBuffer.length === 0) {
      this.transport.send([{ type: "noop" }]);
    }
  }

  private completeUpgrade(upgrade: UpgradeState): void {
    debug("session %s: upgraded to %s", this.id, upgrade.transport.name);
    this.clearUpgrade(upgrade);
    const previous = this.transport;
    previous.discard();
    previous.close();
    this.transport = upgrade.transport;
    this.upgraded = true;
    this.context.metrics.upgraded();
    this.emit("upgrade", upgrade.transport);
    this.flush();
    if (this.readyState === "closing") this.transport.close(() => this.onClose("forced close"));
  }

  private cancelUpgrade(reason: string): void {
    const upgrade = this.upgrade;
    if (!upgrade) return;
    debug("session %s: upgrade abandoned: %s", this.id, reason);
    this.clearUpgrade(upgrade);
    upgrade.transport.close();
  }

  private clearUpgrade(upgrade: UpgradeState): void {
    clearTimeout(upgrade.timeout);
    if (upgrade.check) clearInterval(upgrade.check);
    this.upgrade = null;
    this.upgrading = false;
  }

  // ---- sending ----

  /**
   * Sends a message. Text and binary go as they are; other values become text as in the reference
   * (see `toSendData`). A value with no text form throws a TypeError here.
   */
  send(data: unknown, options?: SendOptions | (() => void), callback?: () => void): this {
    if (typeof options === "function") this.sendPacket("message", toSendData(data), undefined, options);
    else this.sendPacket("message", toSendData(data), options, callback);
    return this;
  }

  write(data: unknown, options?: SendOptions | (() => void), callback?: () => void): this {
    return this.send(data, options, callback);
  }

  /**
   * Sends a message that other sessions send too (a broadcast): over WebSocket, the frame built
   * once for all of them is written (see `SharedMessage`).
   */
  sendShared(message: SharedMessage, callback?: () => void): this {
    this.sendPacket("message", message.text, message.compress ? undefined : UNCOMPRESSED, callback, message);
    return this;
  }

  /** @internal `shared`: the message this packet carries when it is a `SharedMessage`. */
  sendPacket(type: PacketType, data?: SendData, options?: PacketOptions, callback?: () => void, shared?: SharedMessage): void {
    if (this.readyState === "closing" || this.readyState === "closed") return;
    const transport = this.transport;
    // checked before this packet is added: one message bigger than the bound still goes out
    const queued = this.writeBufferBytes + transport.unsentBytes;
    if (queued > this.context.opts.maxBufferedBytes) return this.onBufferLimit(queued);
    if (type === "message") this.context.metrics.sent(data, shared?.byteLength);
    const compress = options?.compress !== false;
    // hot path (WebSocket, nothing buffered, nobody observing packets): straight to `ws`
    if (
      this.writeBuffer.length === 0 &&
      transport.acceptsWrites &&
      "sendDirect" in transport &&
      this.listenerCount("packetCreate") === 0 &&
      this.listenerCount("flush") === 0
    ) {
      (transport as DirectTransport).sendDirect(type, data, compress, callback, shared ?? options?.wsPreEncodedFrame);
      if (this.listenerCount("drain") > 0) this.emit("drain");
      return;
    }
    const frame = options?.wsPreEncodedFrame;
    const packetOptions: PacketOptions =
      shared !== undefined ? { compress, shared } : frame === undefined ? { compress } : { compress, wsPreEncodedFrame: frame };
    const packet: Packet = data === undefined ? { type, options: packetOptions } : { type, data, options: packetOptions };
    this.emit("packetCreate", packet);
    if (this.writeBuffer === NOTHING_BUFFERED) this.writeBuffer = [];
    this.writeBuffer.push(packet);
    if (data !== undefined) this.writeBufferBytes += typeof data === "string" ? data.length : data.byteLength;
    if (callback) (this.packetCallbacks ??= []).push(callback);
    this.flush();
  }

  /**
   * More than `maxBufferedBytes` wait to go out: the client does not read what it is sent (or not
   * fast enough). What is queued is dropped at once (that memory is the point), the session
   * stops taking packets and closes on the next tick with "transport buffer full" (not inside
   * the send: the sender may be a broadcast walking over many sessions).
   */
  private onBufferLimit(queued: number): void {
    const limit = this.context.opts.maxBufferedBytes;
    debug("session %s: %d bytes waiting to be sent, over maxBufferedBytes %d: closing", this.id, queued, limit);
    this.report({
      kind: "limit",
      name: "maxBufferedBytes",
      message: `${queued} bytes waiting to be sent to a client that does not read them, over maxBufferedBytes (${limit})`,
      action: "connection closed",
      value: queued,
      limit,
    });
    this.readyState = "closing";
    this.context.heartbeat.remove(this);
    if (this.upgrade) this.cancelUpgrade("transport buffer full");
    this.writeBuffer = NOTHING_BUFFERED;
    this.writeBufferBytes = 0;
    this.packetCallbacks = null;
    this.transport.terminate();
    process.nextTick(closeForFullBuffer, this);
  }

  /** Writes the buffer to the transport if it is writable. */
  flush(): void {
    if (this.readyState === "closed" || !this.transport.acceptsWrites || this.writeBuffer.length === 0) return;
    const buffer = this.writeBuffer;
    this.writeBuffer = NOTHING_BUFFERED;
    this.writeBufferBytes = 0;
    const callbacks = this.packetCallbacks;
    this.packetCallbacks = null;
    this.emit("flush", buffer);
    this.context.sessionFlushed(this, buffer);
    this.transport.send(buffer, callbacks ? () => runAll(callbacks) : undefined);
    this.emit("drain");
    this.context.sessionDrained(this);
  }

  // ---- closing ----

  /**
   * @internal Server shutdown (see `Server.closeGracefully`): what is buffered is dropped, but the
   * client is still told, so that it sees a clean "transport close" and reconnects, instead of a
   * poll answered with a noop and then refused. The close packet goes to the pending GET, or to the
   * next one. A client that already answered the probe has paused polling and only listens on its
   * new WebSocket: the session stays "closing" until the upgrade completes, which then closes it.
   */
  shutDown(): void {
    if (this.readyState !== "open") return;
    this.writeBuffer = NOTHING_BUFFERED;
    this.writeBufferBytes = 0;
    this.packetCallbacks = null;
    // the caller bounds the wait, not the ping timeout
    this.context.heartbeat.remove(this);
    if (this.upgrade?.check) {
      debug("session %s: shutting down once the upgrade completes", this.id);
      this.readyState = "closing";
      return;
    }
    // a probe not answered yet: the client is still polling and goes on once the probe fails
    if (this.upgrade) this.cancelUpgrade("server shutting down");
    this.close();
  }

  /** Closes the session once the buffer is flushed (at once if `discard`); reason "forced close". */
  close(discard = false): void {
    if (discard && (this.readyState === "open" || this.readyState === "closing")) {
      this.closeTransport(true);
      return;
    }
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    if (this.writeBuffer.length > 0) {
      this.once("drain", () => this.closeTransport(false));
      return;
    }
    this.closeTransport(false);
  }

  private closeTransport(discard: boolean): void {
    if (discard) this.transport.discard();
    this.transport.close(() => this.onClose("forced close"));
  }

  /** @internal Closes the session now with `reason`. */
  onClose(reason: CloseReason, description?: unknown): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.context.metrics.closed(this.transport.name, reason);
    this.context.heartbeat.remove(this);
    if (this.upgrade) this.cancelUpgrade("session closed");
    this.packetCallbacks = null;
    this.transport.close();
    this.context.sessionClosed(this);
    // the buffer stays readable by "close" listeners
    process.nextTick(() => {
      this.writeBuffer = NOTHING_BUFFERED;
      this.writeBufferBytes = 0;
    });
    const handler = this.handler;
    this.handler = null;
    if (handler !== null) handler.onClose(reason, description);
    this.emit("close", reason, description);
  }
}

function closeForFullBuffer(socket: Socket): void {
  socket.onClose("transport buffer full");
}

function runAll(callbacks: (() => void)[]): void {
  for (const callback of callbacks) callback();
}
