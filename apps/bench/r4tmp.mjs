import { createRequire } from "node:module"; const require_cp = () => createRequire(import.meta.url)("node:child_process");
import { createServer } from "node:http"; console.log(process.pid);
import net from "node:net";
import { io as connect } from "socket.io-client";
const impl = process.argv[2];
const { Server } = impl === "ref" ? await import("socket.io") : await import("@sockline/core");
const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 2e6 });
if (io.diagnostics) io.diagnostics.on("diagnostic", (d) => console.log("diag", d));
await new Promise(r => http.listen(0, "127.0.0.1", r));
const port = http.address().port;
io.on("connection", (s) => s.on("disconnect", (r) => console.log("disconnect", s.id, r)));
// paused raw client
const raw = net.connect(port, "127.0.0.1", () => {
  raw.write("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
});
let seen = "", joined = false;
raw.on("data", function onData(d) {
  seen += d.toString("latin1");
  if (!joined && seen.includes('0{"sid"')) {
    joined = true;
    const payload = Buffer.from("40"); const mask = Buffer.from([1,2,3,4]);
    raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | 2]), mask, Buffer.from(payload.map((b,i)=>b^mask[i%4]))]));
  }
  if (seen.includes("40{")) { raw.off("data", onData); raw.pause(); }
});
raw.on("error", () => {});
raw.on("close", () => console.log("raw closed"));
const good = { on(){}, close(){} };
let got = 0; good.on("big", () => got++);

await new Promise(r => setTimeout(r, 200));
global.gc?.();
const rss0 = process.memoryUsage();
const big = "x".repeat(1e6); console.log("sockets", io.sockets.sockets.size, raw.bytesRead);
for (let i = 0; i < 50; i++) { io.emit("big", big); await new Promise(r => setTimeout(r, 20)); }
await new Promise(r => setTimeout(r, 1000)); console.log("raw readable", raw.readableLength, raw.isPaused(), raw.bytesRead); console.log(require_cp().execSync("ss -tmn state established | grep -A1 127.0.0.1:"+port).toString()); for (const c of Object.values(io.engine.clients)) console.log("buffered", c.transport.socket?.bufferedAmount, c.transport.socket?._socket?.writableLength);
global.gc?.();
const rss1 = process.memoryUsage();
console.log(impl, "good got", got, "heap +MB", ((rss1.heapUsed - rss0.heapUsed)/1e6).toFixed(1), "ext +MB", ((rss1.external - rss0.external)/1e6).toFixed(1), "rss +MB", ((rss1.rss - rss0.rss)/1e6).toFixed(1), "clients", io.engine.clientsCount);
raw.destroy(); good.close(); io.close();
