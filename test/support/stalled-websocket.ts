// A WebSocket client that stops reading: what a client whose TCP receive window is full (a frozen
// tab, a phone that lost its radio, a hostile peer) looks like to the server. It speaks just enough
// of the protocol on a raw TCP connection: the upgrade, optional text frames (e.g. a namespace
// CONNECT), then it pauses the socket, so everything the server sends piles up in kernel buffers
// and then in the server's own memory.
import { connect, type Socket } from "node:net";
import { SAFETY_NET_MS } from "./events.js";

export interface StalledWebSocket {
  /** The raw TCP connection (paused). */
  readonly socket: Socket;
  /** Everything read before the pause, as latin1 text. */
  readonly received: string;
  /** Resolves once the connection is closed on our side (after `close()`, or an error). */
  readonly closed: Promise<void>;
  /** Destroys the connection. */
  close(): void;
}

export interface StalledWebSocketOptions {
  /** Engine path and query, default `/socket.io/?EIO=4&transport=websocket`. */
  path?: string;
  /** Text frames sent once the Engine.IO open packet arrived (e.g. `["40"]` to join "/"). */
  send?: string[];
  /** Keep reading until this text was received (e.g. `40{` for the CONNECT answer), then pause. */
  readUntil?: string;
}

/** A masked client text frame (payloads under 126 bytes: these are handshake-sized frames). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error("stalled websocket: frames are kept small");
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Opens the connection on `url` (`http://127.0.0.1:port`), does the handshake, sends `send`, waits for `readUntil`, then stops reading. */
export function stalledWebSocket(url: string, options: StalledWebSocketOptions = {}): Promise<StalledWebSocket> {
  const { hostname, port } = new URL(url);
  const path = options.path ?? "/socket.io/?EIO=4&transport=websocket";
  const readUntil = options.readUntil ?? '0{"sid"';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.on("error", () => {});
    let received = "";
    let opened = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `stalled websocket: "${readUntil}" not received within ${SAFETY_NET_MS} ms (got ${JSON.stringify(received.slice(0, 200))})`,
        ),
      );
    }, SAFETY_NET_MS);
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (!opened && received.includes('0{"sid"')) {
        opened = true;
        for (const frame of options.send ?? []) socket.write(textFrame(frame));
      }
      if (opened && received.includes(readUntil)) {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.pause();
        resolve({ socket, received, closed, close: () => socket.destroy() });
      }
    };
    socket.on("data", onData);
    socket.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`stalled websocket: closed before "${readUntil}" (got ${JSON.stringify(received.slice(0, 200))})`));
    });
    socket.once("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
    });
  });
}
