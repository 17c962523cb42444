/**
 * A stand-in ServerResponse for upgrade requests, so express-style middlewares
 * run on upgrades too (as in the reference). Headers they set end up in the 101
 * answer; a middleware that answers (writeHead with a status, or end) sends that
 * HTTP answer on the raw socket, which is then closed.
 */
import { EventEmitter } from "node:events";
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";

export class UpgradeResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = "";
  headersSent = false;
  writableEnded = false;
  finished = false;
  /** Headers for the 101 answer (or for the refusal a middleware sends). */
  readonly headers: OutgoingHttpHeaders = {};
  private body: Buffer[] = [];
  private readonly onSocketClose = () => this.emit("close");

  constructor(
    readonly req: IncomingMessage,
    readonly socket: Duplex,
  ) {
    super();
    // some middlewares (pino-http, on-finished) wait for "close"
    socket.once("close", this.onSocketClose);
  }

  /** Drops the link from the socket to this object once the upgrade is decided (it must not live as long as the connection). */
  detach(): void {
    this.socket.removeListener("close", this.onSocketClose);
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers[name.toLowerCase()] = value as string | string[];
    return this;
  }
  getHeader(name: string): number | string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }
  getHeaders(): OutgoingHttpHeaders {
    return { ...this.headers };
  }
  getHeaderNames(): string[] {
    return Object.keys(this.headers);
  }
  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.headers;
  }
  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }

  /** With a status: a middleware answers the request. Without: headers are committed (the engine's own call). */
  writeHead(statusCode?: number, reasonOrHeaders?: string | OutgoingHttpHeaders, maybeHeaders?: OutgoingHttpHeaders): this {
    if (statusCode === undefined) return this;
    this.statusCode = statusCode;
    const headers = typeof reasonOrHeaders === "object" ? reasonOrHeaders : maybeHeaders;
    if (typeof reasonOrHeaders === "string") this.statusMessage = reasonOrHeaders;
    if (headers) for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.setHeader(k, v as string);
    return this;
  }

  write(chunk: string | Buffer): boolean {
    this.body.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return true;
  }

  /** A middleware ended the response: the request is refused with that answer. */
  end(chunk?: string | Buffer | (() => void), cb?: () => void): this {
    if (this.writableEnded) return this;
    if (typeof chunk === "function") cb = chunk;
    else if (chunk !== undefined) this.write(chunk);
    this.writableEnded = this.finished = this.headersSent = true;
    const body = Buffer.concat(this.body);
    this.body = [];
    const status = this.statusCode === 200 ? 400 : this.statusCode; // never pretend an unfinished upgrade succeeded
    let head = `HTTP/1.1 ${status} ${this.statusMessage || STATUS_CODES[status] || ""}\r\n`;
    for (const [name, value] of Object.entries(this.headers)) {
      if (value === undefined || name === "content-length" || name === "connection") continue;
      for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
    }
    head += `Connection: close\r\nContent-Length: ${body.length}\r\n\r\n`;
    this.socket.on("error", ignore);
    if (this.socket.writable) this.socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
    else this.socket.destroy();
    this.emit("finish");
    cb?.();
    return this;
  }
}

function ignore(): void {}
