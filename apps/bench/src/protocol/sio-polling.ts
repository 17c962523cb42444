// A minimal Socket.IO client over HTTP long-polling (Engine.IO 4): one GET always pending, POSTs
// serialized (the server refuses overlapping POSTs of one session), packets joined by \x1e.
// Given several ports, each request goes to the next one in turn: a balancer without affinity
// (the routed-polling scenario; the nodes need a session router).
import { request, type Agent } from "node:http";

const SEPARATOR = "\x1e";

function httpText(agent: Agent, port: number, method: "GET" | "POST", path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: body === undefined ? {} : { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`));
          else resolve(text);
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export class SioPollingClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, (reply: unknown) => void>();
  private outbox: string[] = [];
  private posting = false;
  private closed = false;
  private connected: (() => void) | undefined;
  private pollLoop: Promise<void> = Promise.resolve();
  private turn = 0;

  private constructor(
    private readonly agent: Agent,
    private readonly ports: readonly number[],
    private readonly sid: string,
  ) {}

  /** The port of the next request. */
  private get port(): number {
    return this.ports[this.turn++ % this.ports.length]!;
  }

  private get path(): string {
    return `/socket.io/?EIO=4&transport=polling&sid=${this.sid}`;
  }

  /** Engine.IO handshake by GET, then Socket.IO CONNECT; resolves once "40{...}" arrives on a poll. */
  static async connect(agent: Agent, ports: number | readonly number[], timeoutMs: number): Promise<SioPollingClient> {
    const list = typeof ports === "number" ? [ports] : ports;
    const port = list[0]!;
    const open = await httpText(agent, port, "GET", "/socket.io/?EIO=4&transport=polling");
    const first = open.split(SEPARATOR)[0]!;
    if (!first.startsWith("0")) throw new Error(`polling handshake on port ${port}: unexpected "${first.slice(0, 80)}"`);
    const { sid } = JSON.parse(first.slice(1)) as { sid: string };
    const client = new SioPollingClient(agent, list, sid);
    client.turn = 1;
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`polling CONNECT on port ${port}: none within ${timeoutMs} ms`)), timeoutMs);
      client.connected = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    client.send("40");
    client.pollLoop = client.poll();
    try {
      await connected;
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  emitWithAck(event: string, data: unknown, onReply: (reply: unknown) => void): void {
    const id = this.nextAckId++;
    this.acks.set(id, onReply);
    this.send(`42${id}${JSON.stringify([event, data])}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // "1" is the Engine.IO close packet: the server ends the session and answers the pending GET.
    await httpText(this.agent, this.port, "POST", this.path, "1").catch(() => {});
    // The server answers the pending GET when the session closes; do not wait forever if it does not.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pollLoop, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
  }

  private send(packet: string): void {
    this.outbox.push(packet);
    if (!this.posting) void this.flush();
  }

  private async flush(): Promise<void> {
    this.posting = true;
    while (this.outbox.length > 0 && !this.closed) {
      const body = this.outbox.join(SEPARATOR);
      this.outbox = [];
      try {
        await httpText(this.agent, this.port, "POST", this.path, body);
      } catch {
        this.closed = true;
      }
    }
    this.posting = false;
  }

  private async poll(): Promise<void> {
    while (!this.closed) {
      let payload: string;
      try {
        payload = await httpText(this.agent, this.port, "GET", this.path);
      } catch {
        this.closed = true;
        return;
      }
      for (const packet of payload.split(SEPARATOR)) this.handlePacket(packet);
    }
  }

  private handlePacket(packet: string): void {
    switch (packet.charCodeAt(0)) {
      case 50 /* "2" ping */:
        this.send("3");
        return;
      case 49 /* "1" close */:
        this.closed = true;
        return;
      case 52 /* "4" message */:
        break;
      default:
        return;
    }
    const packetType = packet.charCodeAt(1);
    if (packetType === 48 /* connect */) {
      this.connected?.();
      this.connected = undefined;
    } else if (packetType === 51 /* ack */) {
      let at = 2;
      while (packet.charCodeAt(at) >= 48 && packet.charCodeAt(at) <= 57) at++;
      const id = Number(packet.slice(2, at));
      const onReply = this.acks.get(id);
      if (!onReply) return;
      this.acks.delete(id);
      onReply((JSON.parse(packet.slice(at)) as unknown[])[0]);
    }
  }
}
