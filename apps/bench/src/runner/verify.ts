// Before measuring, each Socket.IO implementation is checked once with the official
// socket.io-client: connect (polling then upgrade, and WebSocket only), echo with ack, binary echo.
import { deepStrictEqual } from "node:assert/strict";
import { io as connectOfficial, type Socket } from "socket.io-client";
import type { ImplName } from "../ipc.js";
import { startServer } from "./processes.js";

async function checkOne(port: number, transports: ("polling" | "websocket")[]): Promise<string> {
  const socket: Socket = connectOfficial(`http://127.0.0.1:${port}`, { transports, reconnection: false, timeout: 5000, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const payload = { text: "verify", list: [1, 2, 3], nested: { ok: true } };
    const reply: unknown = await socket.timeout(5000).emitWithAck("echo", payload);
    deepStrictEqual(reply, payload);
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const binaryReply = (await socket.timeout(5000).emitWithAck("bin", bytes)) as Uint8Array;
    deepStrictEqual(Buffer.from(binaryReply), bytes);
    if (transports.includes("polling") && transports.includes("websocket")) {
      // Give the upgrade a moment so the check covers polling -> websocket as well.
      const deadline = Date.now() + 3000;
      while (socket.io.engine.transport.name !== "websocket" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const afterUpgrade: unknown = await socket.timeout(5000).emitWithAck("echo", payload);
      deepStrictEqual(afterUpgrade, payload);
    }
    return socket.io.engine.transport.name;
  } finally {
    socket.disconnect();
  }
}

export interface Verification {
  impl: ImplName;
  ok: boolean;
  detail: string;
}

export async function verifyWithOfficialClient(impl: ImplName): Promise<Verification> {
  if (impl === "ws") return { impl, ok: true, detail: "raw ws: not a Socket.IO server, nothing to verify" };
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(impl);
    const upgraded = await checkOne(server.port, ["polling", "websocket"]);
    const wsOnly = await checkOne(server.port, ["websocket"]);
    return {
      impl,
      ok: true,
      detail: `socket.io-client: connect + echo ack + binary ack via ${upgraded} (after upgrade) and ${wsOnly} only`,
    };
  } catch (error) {
    return { impl, ok: false, detail: (error as Error).message.split("\n")[0]! };
  } finally {
    await server?.close();
  }
}
