/**
 * The engine's counters: plain numbers bumped on paths that already run (a session opens, upgrades
 * or closes; a message comes in or goes out; a request is refused), read as one snapshot with
 * `engine.metrics()`. Always on: each update is an addition on a field of one object per server,
 * no Map lookup keyed by a string, no allocation (the bench measures it: see `apps/bench/README.md`).
 *
 * Limit hits and protocol violations are not counted here: `Diagnostics` counts its own reports
 * (one source of truth for what was refused, see `diagnostics.ts`).
 */
import { ERROR_CODES, type ErrorCode } from "./errors.js";
import type { RawData, SendData } from "./packet.js";
import type { TransportName } from "./options.js";

/** What `engine.metrics()` returns: a copy, safe to keep (it does not change afterwards). */
export interface EngineMetricsSnapshot {
  /** Sessions open now, by the transport they are on now. */
  connected: Record<TransportName, number> & { total: number };
  /** Sessions opened since the server started (successful handshakes), by the transport they opened on. */
  handshakes: Record<TransportName, number> & { total: number };
  /** Sessions moved from polling to WebSocket. */
  upgrades: number;
  /**
   * Requests and upgrades the engine refused (its `connection_error` event), by Engine.IO error code:
   * "0" Transport unknown, "1" Session ID unknown, "2" Bad handshake method, "3" Bad request,
   * "4" Forbidden, "5" Unsupported protocol version (`ERROR_MESSAGES`). Failed handshakes, and
   * refused requests of sessions. Only codes seen at least once are present.
   */
  connectionErrors: Record<string, number>;
  /** Sessions closed, by Engine.IO close reason ("transport close", "ping timeout", "transport buffer full"...). */
  closes: Record<string, number>;
  /** Engine.IO message packets received and sent (a Socket.IO packet is one, plus one per binary attachment). */
  messages: { in: number; out: number };
  /**
   * Bytes of those messages' data: a binary message's length, a text message's UTF-8 length (the
   * one-digit Engine.IO type and the transports' framing are not counted).
   */
  bytes: { in: number; out: number };
}

const ERROR_CODE_COUNT = Object.keys(ERROR_CODES).length;

/** The engine's counters (one per engine server, shared with its sessions through their context); read them with `engine.metrics()`. */
export class EngineMetrics {
  connectedPolling = 0;
  connectedWebSocket = 0;
  handshakesPolling = 0;
  handshakesWebSocket = 0;
  upgrades = 0;
  /** Indexed by Engine.IO error code (0..5): a fixed array, no string key per refusal. */
  readonly connectionErrors: number[] = new Array<number>(ERROR_CODE_COUNT).fill(0);
  /** By close reason: a session closes once, so a Map lookup there costs nothing worth saving. */
  readonly closes = new Map<string, number>();
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;

  opened(transport: TransportName): void {
    if (transport === "websocket") {
      this.connectedWebSocket++;
      this.handshakesWebSocket++;
    } else {
      this.connectedPolling++;
      this.handshakesPolling++;
    }
  }

  upgraded(): void {
    this.upgrades++;
    this.connectedPolling--;
    this.connectedWebSocket++;
  }

  closed(transport: TransportName, reason: string): void {
    if (transport === "websocket") this.connectedWebSocket--;
    else this.connectedPolling--;
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  refused(code: ErrorCode): void {
    this.connectionErrors[code] = (this.connectionErrors[code] ?? 0) + 1;
  }

  received(data: RawData): void {
    this.messagesIn++;
    this.bytesIn += typeof data === "string" ? Buffer.byteLength(data) : data.length;
  }

  sent(data: SendData | undefined, textBytes?: number): void {
    this.messagesOut++;
    if (data === undefined) return;
    this.bytesOut += typeof data === "string" ? (textBytes ?? Buffer.byteLength(data)) : data.byteLength;
  }

  snapshot(): EngineMetricsSnapshot {
    const connectionErrors: Record<string, number> = {};
    for (let code = 0; code < this.connectionErrors.length; code++) {
      const count = this.connectionErrors[code]!;
      if (count > 0) connectionErrors[String(code)] = count;
    }
    return {
      connected: {
        polling: this.connectedPolling,
        websocket: this.connectedWebSocket,
        total: this.connectedPolling + this.connectedWebSocket,
      },
      handshakes: {
        polling: this.handshakesPolling,
        websocket: this.handshakesWebSocket,
        total: this.handshakesPolling + this.handshakesWebSocket,
      },
      upgrades: this.upgrades,
      connectionErrors,
      closes: Object.fromEntries(this.closes),
      messages: { in: this.messagesIn, out: this.messagesOut },
      bytes: { in: this.bytesIn, out: this.bytesOut },
    };
  }
}
