/**
 * HTTP long-polling: the client holds one GET open to receive a payload, and
 * POSTs payloads to send. One pending GET and one POST at a time per session.
 */
import type { IncomingMessage } from "node:http";
import createDebug from "debug";
import { compress, negotiateEncoding } from "../compression.js";
import type { Packet, PacketType, RawData } from "../packet.js";
import { decodePayload, encodePayload, SEPARATOR } from "../payload.js";
import type { PollResponder } from "./poll-responder.js";
import { NO_OWNER, TransportError, type EngineRequest, type Transport, type TransportContext, type TransportOwner } from "./transport.js";

const debug = createDebug("sockline:engine:polling");

/** How long a closing session waits for the next GET to deliver the close packet. */
const CLOSE_TIMEOUT = 30_000;

export class PollingTransport implements Transport {
  readonly name = "polling" as const;
  owner: TransportOwner = NO_OWNER;
  private pollReq: IncomingMessage | null = null;
  private pollRes: PollResponder | null = null;
  private dataReq: IncomingMessage | null = null;
  /** Set while closing: called once the close packet went out (or the wait timed out). */
  private pendingClose: (() => void) | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private discarded = false;
  private closed = false;
  /** The last response written, until it is closed: its unsent bytes count as this session's. */
  private inFlight: PollResponder | null = null;
  /** Whether `application/octet-stream` POST bodies are read (protocol 4 sends text only; see `eio3/polling.ts`). */
  protected readonly binaryBodies: boolean = false;

  constructor(
    protected readonly ctx: TransportContext,
    protected readonly sid: string,
  ) {}

  get writable(): boolean {
    return this.pollRes !== null && !this.closed;
  }

  get acceptsWrites(): boolean {
    return this.writable;
  }

  get unsentBytes(): number {
    const res = this.inFlight;
    return res === null ? 0 : res.unsentBytes;
  }

  /**
   * Serves one HTTP request of this session (the handshake GET included). `res`: where the answer
   * goes (this node's HTTP response, or the answer to a poll another node forwarded).
   */
  onRequest(req: IncomingMessage, res: PollResponder): void {
    if (req.method === "GET") this.onPollRequest(req, res);
    else if (req.method === "POST") this.onDataRequest(req, res);
    else {
      res.answer(400, { "Content-Type": "application/json" }, JSON.stringify({ code: 3, message: "Bad request" }));
    }
  }

  private onPollRequest(req: IncomingMessage, res: PollResponder): void {
    if (this.closed) {
      res.answer(400, {});
      return;
    }
    if (this.pollRes) {
      // the reference closes the session on a second concurrent GET: a well-behaved client never does it
      debug("session %s: second concurrent GET", this.sid);
      res.answer(400, {});
      this.refused("violation", "poll-overlap", "a second GET while one is pending", "connection closed (400)");
      this.owner.onTransportError(this, new TransportError("overlap from client"));
      return;
    }
    this.pollReq = req;
    this.pollRes = res;
    req.on("close", this.onPollAborted);
    if (this.pendingClose) {
      this.send([{ type: "noop" }]);
      return;
    }
    this.owner.onTransportReady(this);
  }

  private readonly onPollAborted = (): void => {
    if (!this.pollRes) return;
    this.releasePoll();
    this.owner.onTransportError(this, new TransportError("poll connection closed prematurely"));
  };

  private releasePoll(): void {
    this.pollReq?.removeListener("close", this.onPollAborted);
    this.pollReq = null;
    this.pollRes = null;
  }

  private onDataRequest(req: IncomingMessage, res: PollResponder): void {
    const limit = this.ctx.opts.maxHttpBufferSize;
    if (this.dataReq) {
      res.refuse(400);
      this.refused("violation", "post-overlap", "a second POST while one is being read", "connection closed (400)");
      this.owner.onTransportError(this, new TransportError("data request overlap from client"));
      return;
    }
    // protocol 4 sends binary as base64 text: a binary body is not ours (and must be answered, not left hanging)
    const binary = req.headers["content-type"] === "application/octet-stream";
    if (binary && !this.binaryBodies) {
      res.refuse(400);
      this.refused("violation", "invalid-content", "binary POST body (protocol 4 sends text)", "connection closed (400)");
      this.owner.onTransportError(this, new TransportError("invalid content (binary POST body in protocol 4)"));
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) {
      debug("session %s: POST of %d bytes over maxHttpBufferSize %d", this.sid, declared, limit);
      res.refuse(413);
      this.refusedOversizedBody(declared, limit);
      return;
    }

    this.dataReq = req;
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("close", onClose);
      if (this.dataReq === req) this.dataReq = null;
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        debug("session %s: POST body over maxHttpBufferSize %d", this.sid, limit);
        cleanup();
        chunks.length = 0;
        res.refuse(413);
        this.refusedOversizedBody(size, limit);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const packets = this.decodeBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), binary, res);
      if (packets === null) return;
      const headers: Record<string, string | string[]> = { "Content-Type": "text/html", "Content-Length": "2" };
      disableIeXssFilter(req, headers);
      this.ctx.emitResponseHeaders(headers, req, undefined);
      res.answer(200, headers, "ok");
      this.onPackets(packets);
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      this.owner.onTransportError(this, new TransportError("data request connection closed prematurely"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
  }

  /**
   * The packets of a POST body, or null when the body was refused (answered 400 or 413, the session
   * told): then none of its packets is dispatched. Protocol 4: text separated by `\x1e`, its
   * packets counted on the text before anything is decoded.
   */
  protected decodeBody(body: Buffer, _binary: boolean, res: PollResponder): readonly Packet[] | null {
    const payload = body.toString("utf8");
    if (!this.withinPacketLimit(countPackets(payload), res)) return null;
    return decodePayload(payload);
  }

  /** The body of a GET answer carrying `packets` (protocol 4: always text). */
  protected encodeBody(packets: Packet[]): string | Buffer {
    return encodePayload(packets);
  }

  /**
   * Whether `count` packets are within `maxPacketsPerPayload`. If not, answers 400 and closes the
   * session: none of its packets is dispatched. `orMore`: counting stopped at `count`.
   */
  protected withinPacketLimit(count: number, res: PollResponder, orMore = false): boolean {
    const limit = this.ctx.opts.maxPacketsPerPayload;
    if (count <= limit) return true;
    debug("session %s: POST of %d packets over maxPacketsPerPayload %d", this.sid, count, limit);
    res.refuse(400);
    this.refused(
      "limit",
      "maxPacketsPerPayload",
      `polling POST body of ${count}${orMore ? " or more" : ""} packets, over maxPacketsPerPayload (${limit})`,
      "connection closed (400)",
      count,
      limit,
    );
    this.owner.onTransportError(this, new TransportError(`too many packets in one payload (${count}, maxPacketsPerPayload ${limit})`));
    return false;
  }

  private refusedOversizedBody(size: number, limit: number): void {
    this.refused(
      "limit",
      "maxHttpBufferSize",
      `polling POST body of ${size} bytes or more, over maxHttpBufferSize (${limit})`,
      "request refused (413)",
      size,
      limit,
    );
  }

  protected refused(kind: "limit" | "violation", name: string, message: string, action: string, value?: number, limit?: number): void {
    this.owner.onTransportRefusal(
      this,
      value === undefined ? { kind, name, message, action } : { kind, name, message, action, value, limit },
    );
  }

  private onPackets(packets: readonly Packet[]): void {
    for (const packet of packets) {
      if (this.closed) return;
      if (packet.type === "close") {
        debug("session %s: close packet from client", this.sid);
        this.closed = true;
        this.flushPendingPollOnClose();
        this.owner.onTransportClose(this);
        return;
      }
      // decoded packets only hold strings or Buffers
      if (packet.type === "message") this.owner.onTransportMessage(this, (packet.data ?? "") as RawData);
      else this.owner.onTransportPacket(this, packet);
    }
  }

  send(packets: Packet[], onSent?: () => void): void {
    const res = this.pollRes;
    const req = this.pollReq;
    if (!res || !req) throw new Error(`polling session ${this.sid}: send() without a pending GET`);
    let afterSent = onSent;
    if (this.pendingClose) {
      packets.push({ type: "close" });
      const done = this.pendingClose;
      this.pendingClose = null;
      if (this.closeTimer) clearTimeout(this.closeTimer);
      this.closeTimer = null;
      this.closed = true;
      afterSent = onSent
        ? () => {
            onSent();
            done();
          }
        : done;
    }
    this.releasePoll();
    let compressible = false;
    for (const packet of packets) {
      if (packet.options?.compress !== false) {
        compressible = true;
        break;
      }
    }
    this.write(req, res, this.encodeBody(packets), compressible, afterSent);
  }

  private write(req: IncomingMessage, res: PollResponder, body: string | Buffer, compressible: boolean, onSent?: () => void): void {
    const headers: Record<string, string | string[]> = {
      "Content-Type": typeof body === "string" ? "text/plain; charset=UTF-8" : "application/octet-stream",
    };
    disableIeXssFilter(req, headers);
    this.ctx.emitResponseHeaders(headers, req, (req as EngineRequest)._query?.sid ? undefined : this.sid);
    const compression = this.ctx.opts.httpCompression;
    const encoding =
      compression && compressible && Buffer.byteLength(body) >= (compression.threshold ?? 1024)
        ? negotiateEncoding(req.headers["accept-encoding"])
        : undefined;
    this.trackInFlight(res);
    if (!encoding || !compression) {
      headers["Content-Length"] = String(Buffer.byteLength(body));
      res.answer(200, headers, body, onSent);
      return;
    }
    compress(encoding, body, compression, (err, compressed) => {
      if (err) {
        debug("session %s: compression failed: %s", this.sid, err.message);
        res.destroy();
        return;
      }
      headers["Content-Encoding"] = encoding;
      headers["Content-Length"] = String(compressed.length);
      res.answer(200, headers, compressed, onSent);
    });
  }

  /** Counts `res`'s unsent bytes as this session's until it closes (see `unsentBytes`). */
  private trackInFlight(res: PollResponder): void {
    this.inFlight = res;
    res.onceClosed(() => {
      if (this.inFlight === res) this.inFlight = null;
    });
  }

  close(callback?: () => void): void {
    if (this.closed) {
      callback?.();
      return;
    }
    if (this.dataReq) {
      this.dataReq.destroy();
      this.dataReq = null;
    }
    if (this.pendingClose) {
      // already waiting for a GET to deliver the close packet: end the wait now if we may, else join it
      if (!this.discarded) {
        const previous = this.pendingClose;
        this.pendingClose = callback
          ? () => {
              previous();
              callback();
            }
          : previous;
        return;
      }
      if (this.closeTimer) clearTimeout(this.closeTimer);
      this.closeTimer = null;
      const previous = this.pendingClose;
      this.pendingClose = null;
      this.closed = true;
      this.flushPendingPollOnClose();
      previous();
      callback?.();
      return;
    }
    if (this.discarded) {
      this.closed = true;
      // the client paused this transport for the upgrade: release a leftover GET without a close packet
      this.flushPendingPollOnClose();
      callback?.();
      return;
    }
    const done = callback ?? noop;
    if (this.writable) {
      this.pendingClose = done;
      this.send([]);
      return;
    }
    // the close packet waits for the next GET, but not forever
    this.pendingClose = done;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = null;
      this.closed = true;
      const pending = this.pendingClose;
      this.pendingClose = null;
      pending?.();
    }, CLOSE_TIMEOUT);
    // only a cleanup deadline: it must not keep the process alive
    this.closeTimer.unref();
  }

  private flushPendingPollOnClose(): void {
    const res = this.pollRes;
    const req = this.pollReq;
    if (!res || !req) return;
    this.releasePoll();
    this.write(req, res, this.packetBody("noop"), false);
  }

  discard(): void {
    this.discarded = true;
  }

  /** The body of an answer made of one packet without data. */
  private packetBody(type: PacketType): string | Buffer {
    return this.encodeBody([{ type }]);
  }

  terminate(): void {
    this.owner = NO_OWNER;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.pendingClose = null;
    if (this.dataReq) {
      this.dataReq.destroy();
      this.dataReq = null;
    }
    this.closed = true;
    // the unsent rest of a response nobody reads is dropped with its connection
    const inFlight = this.inFlight;
    this.inFlight = null;
    if (inFlight !== null && inFlight.unsentBytes > 0) inFlight.destroy();
    const req = this.pollReq;
    const res = this.pollRes;
    if (req && res) {
      // a GET that is still waiting learns that the session is over
      this.releasePoll();
      this.write(req, res, this.packetBody("close"), false);
    }
  }
}

/** Packets in a payload: one more than its separators. */
function countPackets(payload: string): number {
  let count = 1;
  let at = payload.indexOf(SEPARATOR);
  while (at !== -1) {
    count++;
    at = payload.indexOf(SEPARATOR, at + 1);
  }
  return count;
}

/**
 * As the reference's polling transport: Internet Explorer's XSS filter (User-Agent with `;MSIE`
 * or `Trident/`) could rewrite a polling response it mistakes for reflected script, so its
 * responses carry `X-XSS-Protection: 0`. Set before the `headers` listeners, who may change it.
 */
function disableIeXssFilter(req: IncomingMessage, headers: Record<string, string | string[]>): void {
  const ua = req.headers["user-agent"];
  if (ua !== undefined && (ua.includes(";MSIE") || ua.includes("Trident/"))) headers["X-XSS-Protection"] = "0";
}

function noop(): void {}
