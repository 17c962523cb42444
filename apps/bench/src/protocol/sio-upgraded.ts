// A Socket.IO client that starts over long-polling on one node and upgrades to WebSocket through
// another (or the same) node, as the official client does behind a balancer: handshake and CONNECT
// by polling, then the WebSocket with the session id, the "2probe" / "3probe" exchange and "5".
// Upgraded through another node, the WebSocket is relayed to the session's owner by the session
// router (the routed-ws scenario); through the owner, it is an ordinary local WebSocket.
import { request, type Agent } from "node:http";
import WebSocket from "ws";
import { closeWebSocket } from "./close-websocket.js";

const SEPARATOR = "\x1e";

function get(agent: Agent, port: number, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: body === undefined ? "GET" : "POST", path, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${path}: HTTP ${res.statusCode} ${text}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export class SioUpgradedClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, () => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => this.onFrame(String(data)));
  }

  /** Handshake + CONNECT by polling on `owner`, then the upgrade through `upgradeVia`. */
  static async connect(agent: Agent, owner: number, upgradeVia: number, timeoutMs: number): Promise<SioUpgradedClient> {
    const open = (await get(agent, owner, "/socket.io/?EIO=4&transport=polling")).split(SEPARATOR)[0]!;
    if (!open.startsWith("0")) throw new Error(`polling handshake on port ${owner}: unexpected "${open.slice(0, 80)}"`);
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    await get(agent, owner, path, "40");
    const connected = await get(agent, owner, path);
    if (!connected.includes("40{")) throw new Error(`polling CONNECT on port ${owner}: unexpected "${connected.slice(0, 80)}"`);
    const ws = new WebSocket(`ws://127.0.0.1:${upgradeVia}/socket.io/?EIO=4&transport=websocket&sid=${sid}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`upgrade through port ${upgradeVia}: not done within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.once("error", fail);
      ws.once("open", () => ws.send("2probe"));
      ws.once("message", (data) => {
        if (String(data) !== "3probe") return fail(new Error(`upgrade through port ${upgradeVia}: got "${String(data)}" for the probe`));
        ws.send("5");
        clearTimeout(timer);
        ws.off("error", fail);
        resolve();
      });
    });
    return new SioUpgradedClient(ws);
  }

  emitWithAck(event: string, data: unknown, onReply: () => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onReply);
    this.ws.send(`42${id}${JSON.stringify([event, data])}`);
  }

  private onFrame(text: string): void {
    if (text === "2") {
      this.ws.send("3");
      return;
    }
    if (!text.startsWith("43")) return;
    let at = 2;
    while (text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    const id = Number(text.slice(2, at));
    const onReply = this.acks.get(id);
    this.acks.delete(id);
    onReply?.();
  }

  close(): Promise<void> {
    return closeWebSocket(this.ws);
  }
}
