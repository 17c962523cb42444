/**
 * The engine's side of session routing (see `docs/session-routing.md`): forwarding the requests
 * of sessions another node owns (receiving side), and serving the ones other nodes forward here
 * (owner side, the `RoutedNode` a router is bound to). The engine `Server` creates one when the
 * `sessionRouter` option is set, and calls it only where it would otherwise answer "Session ID
 * unknown".
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import type { WebSocket } from "ws";
import type { Diagnostics } from "../diagnostics.js";
import { ERROR_CODES, ERROR_MESSAGES, protocolRevision, statusOf, type ErrorCode, type ErrorContext } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import type { Socket } from "../socket.js";
import type { PollingTransport } from "../transports/polling.js";
import type { EngineRequest } from "../transports/transport.js";
import type { HandshakeHeaders } from "../upgrade-response.js";
import type { ForwardedAnswer, ForwardedPoll, ForwardedUpgrade, RelayedWebSocket, RoutedNode, SessionRouter } from "../session-routing.js";
import { ForwardedPollResponder, ForwardedRequest, errorAnswer } from "./forwarded-exchange.js";
import { PollForwarder } from "./poll-forwarder.js";
import { RelayedWebSocketTransport } from "./relayed-websocket-transport.js";

const debug = createDebug("sockline:engine:routing");

/** What the routing needs from the engine `Server` (closures over its private parts). */
export interface RoutingHost {
  readonly opts: ResolvedOptions;
  readonly diagnostics: Diagnostics;
  sessionOf(sid: string): Socket | undefined;
  /** The engine's checks of a request (transport, origin, session state...). */
  verify(req: EngineRequest, upgrade: boolean, verdict: (code?: ErrorCode, context?: ErrorContext) => void): void;
  /** Reports a refused request (diagnostic, `connection_error`) without answering it. */
  reportRefusal(req: EngineRequest, code: ErrorCode, context: ErrorContext, upgrade: boolean): void;
  /** Refuses an upgrade on its raw socket (reported and answered). */
  refuseUpgrade(req: EngineRequest, socket: Duplex, code: ErrorCode, context: ErrorContext): void;
  /** Completes the WebSocket handshake of an upgrade of `session` and upgrades it (or closes the WebSocket, as for a local upgrade). */
  upgradeSession(req: EngineRequest, socket: Duplex, head: Buffer, headers: Record<string, string | string[]>, session: Socket): void;
  /** Completes a WebSocket handshake that opens no session; `onOpen` gets the WebSocket, or undefined if the handshake was refused. */
  acceptWebSocket(
    req: EngineRequest,
    socket: Duplex,
    head: Buffer,
    headers: Record<string, string | string[]>,
    onOpen: (ws: WebSocket | undefined) => void,
  ): void;
}

export class EngineRouting implements RoutedNode {
  private readonly forwarder: PollForwarder;

  constructor(
    readonly router: SessionRouter,
    private readonly host: RoutingHost,
  ) {
    checkRouter(router);
    this.forwarder = new PollForwarder(router, host.opts, host.diagnostics, (req, code, context) =>
      host.reportRefusal(req, code, context, false),
    );
    router.bind(this);
  }

  get diagnostics(): Diagnostics {
    return this.host.diagnostics;
  }

  /** The id of a new session: the router prefixes `base` with this node's id. */
  newSessionId(base: string): string {
    return this.router.newSessionId(base);
  }

  /** The owner of `sid` when another node owns it, else undefined (the session is looked up here only). */
  remoteOwnerOf(sid: string): string | undefined {
    const owner = this.router.ownerOf(sid);
    return owner !== undefined && owner !== this.router.nodeId ? owner : undefined;
  }

  // ---- receiving side ----

  /** Forwards a polling request of a session another node owns; false if no other node owns it. */
  forwardPoll(req: EngineRequest, res: ServerResponse): boolean {
    const sid = req._query.sid;
    const owner = sid === undefined ? undefined : this.remoteOwnerOf(sid);
    if (sid === undefined || owner === undefined) return false;
    this.forwarder.forward(owner, sid, req, res);
    return true;
  }

  /** Hands an upgrade of a session another node owns to the router; false if no other node owns it. */
  forwardUpgrade(req: EngineRequest, socket: Duplex, head: Buffer, responseHeaders: HandshakeHeaders): boolean {
    const sid = req._query.sid;
    const owner = sid === undefined ? undefined : this.remoteOwnerOf(sid);
    if (sid === undefined || owner === undefined) return false;
    // what needs no session is checked here, before a relayed upgrade would be accepted (the owner checks the rest)
    const { transport, EIO } = req._query;
    if (transport !== "websocket") return this.refuse(req, socket, ERROR_CODES.BAD_REQUEST, { name: "TRANSPORT_MISMATCH", transport });
    if (EIO !== "4")
      return this.refuse(req, socket, ERROR_CODES.BAD_REQUEST, { name: "PROTOCOL_MISMATCH", protocol: protocolRevision(EIO) });
    if (!this.host.opts.allowUpgrades) return this.refuse(req, socket, ERROR_CODES.BAD_REQUEST, { name: "UPGRADE_NOT_ALLOWED", sid });
    const upgrade: ForwardedUpgrade = {
      sid,
      url: req.url ?? "",
      headers: { ...(req.headers as Record<string, string | string[]>) },
      remoteAddress: req.socket?.remoteAddress ?? "",
    };
    const extra = plainHeaders(responseHeaders);
    if (extra !== undefined) upgrade.responseHeaders = extra;
    debug("upgrade of session %s forwarded to node %s", sid, owner);
    try {
      this.router.forwardUpgrade(owner, upgrade, req, socket, head);
    } catch (error) {
      debug("forwarding the upgrade of session %s to node %s failed: %s", sid, owner, error);
      this.host.diagnostics.report({
        kind: "routing",
        name: "forward-failed",
        message: `upgrade of session ${sid} could not be forwarded to node ${owner}: ${(error as Error)?.message ?? String(error)}`,
        action: "upgrade refused",
        sid,
        remoteAddress: upgrade.remoteAddress,
        transport: "websocket",
      });
      socket.destroy();
    }
    return true;
  }

  private refuse(req: EngineRequest, socket: Duplex, code: ErrorCode, context: ErrorContext): true {
    this.host.refuseUpgrade(req, socket, code, context);
    return true;
  }

  // ---- owner side (RoutedNode) ----

  servePoll(poll: ForwardedPoll, abandoned?: AbortSignal): Promise<ForwardedAnswer> {
    return new Promise<ForwardedAnswer>((resolve) => {
      const request = new ForwardedRequest(poll, poll.method, poll.method === "POST" ? poll.body : undefined);
      const req = request.asEngineRequest();
      const responder = new ForwardedPollResponder(resolve);
      this.host.verify(req, false, (code, context) => {
        if (code !== undefined) {
          this.host.reportRefusal(req, code, context ?? {}, false);
          return resolve(refusalAnswer(code, context ?? {}));
        }
        const session = this.host.sessionOf(poll.sid);
        if (session === undefined) return resolve(refusalAnswer(ERROR_CODES.UNKNOWN_SID, {}));
        if (abandoned !== undefined) {
          if (abandoned.aborted) return resolve(refusalAnswer(ERROR_CODES.UNKNOWN_SID, {}));
          // the forwarder gave up (its client left, or its bound passed): as a local connection closing
          const onAbandoned = () => request.emit("close");
          abandoned.addEventListener("abort", onAbandoned, { once: true });
          responder.onceClosed(() => abandoned.removeEventListener("abort", onAbandoned));
        }
        (session.transport as PollingTransport).onRequest(req, responder);
      });
    });
  }

  adoptUpgrade(upgrade: ForwardedUpgrade, socket: Duplex, head: Buffer): void {
    socket.on("error", onAdoptedSocketError);
    const req = new ForwardedRequest(upgrade, "GET").asEngineRequest();
    this.host.verify(req, true, (code, context) => {
      if (code !== undefined) return this.host.refuseUpgrade(req, socket, code, context ?? {});
      const session = this.host.sessionOf(upgrade.sid);
      if (session === undefined) return this.host.refuseUpgrade(req, socket, ERROR_CODES.UNKNOWN_SID, { sid: upgrade.sid });
      debug("session %s: upgrade adopted from another node", upgrade.sid);
      socket.removeListener("error", onAdoptedSocketError);
      this.host.upgradeSession(req, socket, head, { ...upgrade.responseHeaders }, session);
    });
  }

  acceptRelayedUpgrade(upgrade: ForwardedUpgrade, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket | undefined> {
    return new Promise((resolve) => {
      const request = req as EngineRequest;
      this.host.acceptWebSocket(request, socket, head, { ...upgrade.responseHeaders }, resolve);
    });
  }

  adoptRelayedWebSocket(sid: string, link: RelayedWebSocket): boolean {
    const session = this.host.sessionOf(sid);
    if (session === undefined || session.readyState !== "open" || session.upgrading || session.upgraded) return false;
    if (session.transport.name !== "polling") return false;
    // The relay speaks protocol 4 frames; a protocol 3 client (`allowEIO3`) whose upgrade crossed
    // machines stays on polling (still forwarded), which it handles as any refused upgrade.
    if (session.protocol !== 4) return false;
    debug("session %s: upgrading to a websocket relayed by another node", sid);
    session.maybeUpgrade(new RelayedWebSocketTransport(link, this.host.opts.maxHttpBufferSize));
    return true;
  }

  /** Fails the forwards still waiting (their clients get "Session ID unknown"). */
  close(): void {
    this.forwarder.close();
  }
}

/** A JavaScript caller gets no type error for a wrong `sessionRouter`: say what is missing at construction, not at the first forward. */
function checkRouter(router: SessionRouter): void {
  if (typeof router !== "object" || router === null)
    throw new TypeError(`the "sessionRouter" option must be a SessionRouter, got ${String(router)}`);
  const missing = ["bind", "newSessionId", "ownerOf", "forwardPoll", "forwardUpgrade"].filter(
    (name) => typeof (router as unknown as Record<string, unknown>)[name] !== "function",
  );
  if (missing.length > 0 || typeof router.nodeId !== "string") {
    throw new TypeError(
      `the "sessionRouter" option is not a SessionRouter: ${[...missing.map((m) => `${m}()`), ...(typeof router.nodeId === "string" ? [] : ["nodeId"])].join(", ")} missing`,
    );
  }
}

function refusalAnswer(code: ErrorCode, context: ErrorContext): ForwardedAnswer {
  const message = typeof context.message === "string" ? context.message : ERROR_MESSAGES[code];
  return errorAnswer(statusOf(code), code, message);
}

function plainHeaders(headers: HandshakeHeaders): Record<string, string | string[]> | undefined {
  let out: Record<string, string | string[]> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out ??= {};
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

function onAdoptedSocketError(this: Duplex, err: Error): void {
  debug("adopted upgrade socket error: %s", err.message);
  this.destroy();
}
