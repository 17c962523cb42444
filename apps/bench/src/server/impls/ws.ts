// The ceiling: a raw `ws` server with the least framing that still serves every scenario.
// Text frames are JSON objects: {e: event, i?: ack id, d?: data}; replies are {i, d}; pushes are
// {e: "tick", d}. Binary frames are echoed back as they are. A "0" hello marks a completed handshake.
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { ImplFactory } from "../impl.js";
import { closeHttp, listenLocal } from "../listen.js";

interface RawMessage {
  e?: string;
  i?: number;
  d?: unknown;
}

export const create: ImplFactory = async ({ counter }) => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 1_000_000 });
  const room = new Set<WebSocket>();

  // A broadcast is encoded once and the same bytes are handed to every socket, as a fair ceiling.
  const broadcast = (targets: Iterable<WebSocket>, data: unknown): void => {
    const frame = Buffer.from(JSON.stringify({ e: "tick", d: data }));
    for (const client of targets) client.send(frame, { binary: false });
  };

  wss.on("connection", (ws) => {
    counter.open++;
    ws.send("0");
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      counter.open--;
      room.delete(ws);
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        ws.send(data, { binary: true });
        return;
      }
      let message: RawMessage;
      try {
        message = JSON.parse(String(data)) as RawMessage;
      } catch {
        ws.close(1003, "malformed JSON");
        return;
      }
      switch (message.e) {
        case "echo":
          ws.send(JSON.stringify({ i: message.i, d: message.d }));
          break;
        case "join":
          room.add(ws);
          ws.send(JSON.stringify({ i: message.i, d: true }));
          break;
        case "bcast":
          broadcast(wss.clients, message.d);
          break;
        case "bcastRoom":
          broadcast(room, message.d);
          break;
      }
    });
  });

  const port = await listenLocal(http);
  return {
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeHttp(http);
    },
  };
};
