// A Socket.IO client over a WebSocket that only counts one event and can stop reading, for the
// slow-consumer scenario. Counting looks at the first bytes of each frame (no string is made of a
// 1 MB frame), so a thousand of them cost the load generator little; `pause()` stops reading the
// TCP socket, so the server's writes pile up (kernel buffers first, then the server's memory).
import WebSocket from "ws";
import type { Socket } from "node:net";
import type { ConnectOptions } from "./client.js";
import { closeWebSocket } from "./close-websocket.js";

export class SioCountingClient {
  /** Frames of the counted event received so far. */
  count = 0;
  private readonly prefix: Buffer;

  private constructor(
    private readonly ws: WebSocket,
    event: string,
  ) {
    this.prefix = Buffer.from(`42["${event}"`);
  }

  /** Opens the WebSocket and joins the main namespace; counts `event` from then on (pings answered). */
  static connect(options: ConnectOptions, event: string): Promise<SioCountingClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${options.port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
      const client = new SioCountingClient(ws, event);
      let joined = false;
      const timer = setTimeout(() => fail(`no CONNECT within ${options.timeoutMs} ms`), options.timeoutMs);
      const fail = (reason: string) => {
        if (joined) return;
        joined = true;
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`socket.io handshake on port ${options.port}: ${reason}`));
      };
      ws.on("error", (error) => fail(error.message));
      ws.on("close", () => fail("closed during handshake"));
      ws.on("message", (data: Buffer, isBinary) => {
        if (isBinary) return;
        if (joined) {
          if (data.length === 1 && data[0] === 0x32 /* "2" ping */) ws.send("3");
          else if (data.length >= client.prefix.length && client.prefix.equals(data.subarray(0, client.prefix.length))) client.count++;
          return;
        }
        const text = data.toString();
        if (text.startsWith("0")) ws.send("40");
        else if (text.startsWith("40")) {
          joined = true;
          clearTimeout(timer);
          resolve(client);
        } else if (text === "2") ws.send("3");
      });
    });
  }

  /** Sends `event` with one argument. */
  emit(event: string, data: unknown): void {
    this.ws.send(`42${JSON.stringify([event, data])}`);
  }

  /** Stops reading the TCP socket for good: the client becomes a slow consumer. */
  pause(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  /** Whether the server closed the connection (or it was closed here). */
  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING;
  }

  close(): Promise<void> {
    // a paused client cannot take a closing handshake: cut it
    if (this.ws.readyState === WebSocket.OPEN) (this.ws as unknown as { _socket: Socket })._socket.resume();
    return closeWebSocket(this.ws);
  }
}
