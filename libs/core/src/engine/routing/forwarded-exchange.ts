/**
 * The owner's side of a forwarded poll or upgrade: the request as the engine's code reads it
 * (`ForwardedRequest`), and where the polling transport writes its answer (`ForwardedPollResponder`).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { PollResponder } from "../transports/poll-responder.js";
import type { EngineRequest } from "../transports/transport.js";
import type { ForwardedAnswer, ForwardedPoll, ForwardedUpgrade } from "../session-routing.js";
import { prepareRequest } from "../request-query.js";

/**
 * A request that arrived on another node, as this node's engine and the application's `headers`
 * listeners read it: method, url, headers, `_query`, `socket.remoteAddress`, and the POST body as a
 * stream (already complete). Its "close" event means the forwarder gave up on the answer, as a
 * closed connection means it for a local request. It has no connection of its own.
 */
export class ForwardedRequest extends Readable {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly socket: { readonly remoteAddress: string };
  /** The whole body is here: the transport never sees this request end early. */
  readonly complete = true;
  readonly httpVersion = "1.1";

  constructor(from: ForwardedPoll | ForwardedUpgrade, method: string, body?: Buffer) {
    super();
    this.method = method;
    this.url = from.url;
    this.headers = { ...from.headers };
    this.socket = Object.freeze({ remoteAddress: from.remoteAddress });
    if (body !== undefined && body.length > 0) this.push(body);
    this.push(null);
  }

  override _read(): void {}

  /** As an engine request (`IncomingMessage` with `_query`): what the engine's code is typed against. */
  asEngineRequest(): EngineRequest {
    return prepareRequest(this as unknown as IncomingMessage);
  }
}

/** Where the polling transport writes the answer to a forwarded poll: resolves the router's promise. */
export class ForwardedPollResponder implements PollResponder {
  private answered = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly resolve: (answer: ForwardedAnswer) => void) {}

  get headersSent(): boolean {
    return this.answered;
  }

  /** Handed to the router at once: nothing waits here. */
  get unsentBytes(): number {
    return 0;
  }

  answer(status: number, headers: OutgoingHttpHeaders, body?: string | Buffer, onSent?: () => void): void {
    if (this.answered) return;
    this.finish({ status, headers: plainHeaders(headers), body: toBody(body) });
    onSent?.();
  }

  refuse(status: number): void {
    // the forwarder drops its client's connection after this answer, as a local refusal does
    this.finish({ status, headers: { Connection: "close", "Content-Length": "0" }, body: Buffer.alloc(0) });
  }

  destroy(): void {
    this.finish({ status: 500, headers: { Connection: "close", "Content-Length": "0" }, body: Buffer.alloc(0) });
  }

  onceClosed(listener: () => void): void {
    if (this.answered) listener();
    else this.closeListeners.push(listener);
  }

  private finish(answer: ForwardedAnswer): void {
    if (this.answered) return;
    this.answered = true;
    this.resolve(answer);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

function toBody(body: string | Buffer | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

function plainHeaders(headers: OutgoingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/** The JSON error answer of the engine (`{"code":1,"message":"Session ID unknown"}`), as a forwarded answer. */
export function errorAnswer(status: number, code: number, message: string): ForwardedAnswer {
  const body = Buffer.from(JSON.stringify({ code, message }));
  return { status, headers: { "Content-Type": "application/json", "Content-Length": String(body.length) }, body };
}
