/**
 * The receiving side of a forwarded poll: reads the POST body (bounded), sends the poll to the
 * owner through the router, writes the owner's answer. Bounded: at most `maxPendingForwards` polls
 * wait at once, each at most `forwardTimeout` ms; a poll that fails (owner gone, too slow, router
 * closed) is answered 400 "Session ID unknown", so that the client reconnects.
 */
import type { ServerResponse } from "node:http";
import createDebug from "debug";
import type { Diagnostic, Diagnostics } from "../diagnostics.js";
import { ERROR_CODES, ERROR_MESSAGES, type ErrorCode, type ErrorContext } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import type { ForwardedAnswer, ForwardedPoll, SessionRouter } from "../session-routing.js";
import type { EngineRequest } from "../transports/transport.js";

const debug = createDebug("sockline:engine:routing");

/** Added to `pingInterval + pingTimeout` for the default `forwardTimeout`: the owner's own answer is due within `pingInterval`. */
const FORWARD_TIMEOUT_SLACK = 5_000;

/** Reports a refusal the way the engine does for its own (the `connection_error` event). */
export type RefusalReporter = (req: EngineRequest, code: ErrorCode, context: ErrorContext) => void;

interface Forward {
  readonly controller: AbortController;
  fail(reason: string): void;
}

export class PollForwarder {
  private readonly pending = new Set<Forward>();
  private readonly timeout: number;

  constructor(
    private readonly router: SessionRouter,
    private readonly opts: ResolvedOptions,
    private readonly diagnostics: Diagnostics,
    private readonly refused: RefusalReporter,
  ) {
    this.timeout = opts.forwardTimeout ?? opts.pingInterval + opts.pingTimeout + FORWARD_TIMEOUT_SLACK;
  }

  /** How many forwarded polls wait for their owner now. */
  get pendingCount(): number {
    return this.pending.size;
  }

  forward(owner: string, sid: string, req: EngineRequest, res: ServerResponse): void {
    const remoteAddress = req.socket?.remoteAddress ?? "";
    const limit = this.opts.maxPendingForwards;
    if (this.pending.size >= limit) {
      this.report({
        kind: "limit",
        name: "maxPendingForwards",
        message: `${this.pending.size} forwarded requests already wait for other nodes (maxPendingForwards ${limit}); ${req.method} of session ${sid} for node ${owner}`,
        action: "request refused (503)",
        sid,
        remoteAddress,
        transport: "polling",
        value: this.pending.size,
        limit,
      });
      return answerEmpty(res, 503);
    }
    if (req.method !== "GET" && req.method !== "POST") {
      // what the owner's polling transport would answer
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ code: ERROR_CODES.BAD_REQUEST, message: ERROR_MESSAGES[ERROR_CODES.BAD_REQUEST] }));
      return;
    }
    const method = req.method;
    const headers = flatHeaders(req.headers);
    const send = (body: Buffer) => this.send(owner, { sid, method, url: req.url ?? "", headers, body, remoteAddress }, req, res);
    if (method === "GET") return send(EMPTY);
    readBody(req, res, this.opts.maxHttpBufferSize, send, (size) =>
      this.report({
        kind: "limit",
        name: "maxHttpBufferSize",
        message: `forwarded polling POST body of ${size} bytes or more, over maxHttpBufferSize (${this.opts.maxHttpBufferSize})`,
        action: "request refused (413)",
        sid,
        remoteAddress,
        transport: "polling",
        value: size,
        limit: this.opts.maxHttpBufferSize,
      }),
    );
  }

  private send(owner: string, poll: ForwardedPoll, req: EngineRequest, res: ServerResponse): void {
    const controller = new AbortController();
    let done = false;
    const finish = () => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      res.removeListener("close", onClientGone);
      this.pending.delete(forward);
      return true;
    };
    const forward: Forward = {
      controller,
      fail: (reason) => {
        if (!finish()) return;
        controller.abort();
        this.failed(owner, poll, req, res, reason);
      },
    };
    const onClientGone = () => {
      if (res.writableFinished || !finish()) return;
      debug("client of session %s left before node %s answered", poll.sid, owner);
      controller.abort();
    };
    const timer = setTimeout(() => forward.fail(`no answer from node ${owner} within forwardTimeout (${this.timeout} ms)`), this.timeout);
    this.pending.add(forward);
    res.on("close", onClientGone);
    let answer: Promise<ForwardedAnswer>;
    try {
      answer = this.router.forwardPoll(owner, poll, controller.signal);
    } catch (error) {
      return forward.fail(describe(error));
    }
    answer.then(
      (reply) => {
        if (!isAnswer(reply)) return forward.fail(`node ${owner} gave an invalid answer`);
        if (finish()) writeAnswer(res, reply);
      },
      (error: unknown) => forward.fail(describe(error)),
    );
  }

  private failed(owner: string, poll: ForwardedPoll, req: EngineRequest, res: ServerResponse, reason: string): void {
    debug("%s of session %s not forwarded to node %s: %s", poll.method, poll.sid, owner, reason);
    const timedOut = reason.includes("forwardTimeout");
    this.report({
      kind: timedOut ? "limit" : "routing",
      name: timedOut ? "forwardTimeout" : "owner-unreachable",
      message: `${poll.method} of session ${poll.sid} not served by node ${owner}: ${reason}`,
      action: "request refused (400 Session ID unknown)",
      sid: poll.sid,
      remoteAddress: poll.remoteAddress,
      transport: "polling",
      ...(timedOut ? { value: this.timeout, limit: this.timeout } : {}),
    });
    this.refused(req, ERROR_CODES.UNKNOWN_SID, { sid: poll.sid, owner, reason });
    if (res.headersSent || res.destroyed) return;
    res.writeHead(400, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ code: ERROR_CODES.UNKNOWN_SID, message: ERROR_MESSAGES[ERROR_CODES.UNKNOWN_SID] }));
  }

  private report(diagnostic: Diagnostic): void {
    this.diagnostics.report(diagnostic);
  }

  /** Fails every poll still waiting (their clients get "Session ID unknown"). */
  close(): void {
    for (const forward of [...this.pending]) forward.fail("session routing closed");
  }
}

const EMPTY = Buffer.alloc(0);

/** The request headers as `ForwardedPoll.headers`: repeated ones joined (only `set-cookie` is an array in Node, and it is a response header). */
function flatHeaders(headers: EngineRequest["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Reads a POST body up to `limit` bytes; over it, answers 413 and drops the connection (as the polling transport does). */
function readBody(
  req: EngineRequest,
  res: ServerResponse,
  limit: number,
  then: (body: Buffer) => void,
  over: (size: number) => void,
): void {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    over(declared);
    return refuseOversized(res);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const cleanup = () => {
    req.removeListener("data", onData);
    req.removeListener("end", onEnd);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) return void chunks.push(chunk);
    cleanup();
    chunks.length = 0;
    over(size);
    refuseOversized(res);
  };
  const onEnd = () => {
    cleanup();
    then(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  };
  req.on("data", onData);
  req.on("end", onEnd);
}

function refuseOversized(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.writeHead(413, { Connection: "close", "Content-Length": "0" });
  res.end(() => res.req.socket.destroy());
}

function answerEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "Content-Length": "0" });
  res.end();
}

/** Writes the owner's answer; one that says `Connection: close` (a refusal) drops the connection once written, as a local refusal does. */
function writeAnswer(res: ServerResponse, answer: ForwardedAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const closes = String(answer.headers.Connection ?? answer.headers.connection ?? "").toLowerCase() === "close";
  if (closes) res.shouldKeepAlive = false;
  try {
    res.writeHead(answer.status, answer.headers);
  } catch (error) {
    // a header Node refuses (invalid characters, set by a `headers` listener on the owner): no answer can be written
    debug("the owner's answer cannot be written: %s", error);
    res.destroy();
    return;
  }
  if (closes) res.end(answer.body, () => res.req.socket.destroy());
  else res.end(answer.body);
}

function isAnswer(value: unknown): value is ForwardedAnswer {
  if (typeof value !== "object" || value === null) return false;
  const answer = value as ForwardedAnswer;
  if (!Number.isInteger(answer.status) || answer.status < 200 || answer.status > 599) return false;
  if (!Buffer.isBuffer(answer.body) || typeof answer.headers !== "object" || answer.headers === null) return false;
  for (const header of Object.values(answer.headers)) {
    if (typeof header === "string") continue;
    if (!Array.isArray(header) || !header.every((v) => typeof v === "string")) return false;
  }
  return true;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
