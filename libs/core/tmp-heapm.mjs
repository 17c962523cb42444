import { createServer } from "node:http";
import v8 from "node:v8";
const { Server } = await import("@sockline/core");
const http = createServer();
let joined = 0;
const io = new Server(http, { serveClient: false }); io.on("connection", () => joined++);
await new Promise(r => http.listen(0, "127.0.0.1", r));
const port = http.address().port;
const N = 300;
const { fork } = await import("node:child_process");
const { writeFileSync } = await import("node:fs");
writeFileSync("/work/main/libs/core/tmp-clientsm.mjs", `import { io as ioc } from "socket.io-client"; const cs=[]; for (let i=0;i<${N};i++){ cs.push(ioc("http://127.0.0.1:${port}",{transports:["websocket"]})); } process.on("message",()=>process.exit(0));`);
function snap() { const chunks = []; const s = v8.getHeapSnapshot(); return new Promise(r => { s.on("data", c => chunks.push(c)); s.on("end", () => r(Buffer.concat(chunks).toString())); }); }
async function agg() { gc(); gc(); const sn = JSON.parse(await snap());
  const nf = sn.snapshot.meta.node_fields.length; const types = sn.snapshot.meta.node_types[0]; const nodes = sn.nodes; const strings = sn.strings; const m = new Map();
  for (let i = 0; i < nodes.length; i += nf) { const type = types[nodes[i]]; const name = strings[nodes[i + 1]]; const size = nodes[i + 3];
    const key = type + ":" + (type.includes("string") ? "" : name.slice(0, 50)); const e = m.get(key) || [0, 0]; e[0]++; e[1] += size; m.set(key, e); }
  return m; }
const a = await agg();
const child = fork("/work/main/libs/core/tmp-clientsm.mjs");
while (joined < N) await new Promise(r => setTimeout(r, 50));
await new Promise(r => setTimeout(r, 500));
const b = await agg();
{ gc(); const sn = JSON.parse(await snap());
  const nf = sn.snapshot.meta.node_fields.length; const ef = sn.snapshot.meta.edge_fields.length; const types = sn.snapshot.meta.node_types[0]; const nodes = sn.nodes; const edges = sn.edges; const strings = sn.strings;
  const owner = new Map(); let ei = 0;
  for (let i = 0; i < nodes.length; i += nf) { const ec = nodes[i + 4]; for (let k = 0; k < ec; k++, ei += ef) { const to = edges[ei + 2]; const toName = strings[nodes[to + 1]]; if (toName === "(object properties)") { const key = strings[nodes[i + 1]]; owner.set(key, (owner.get(key) || 0) + nodes[to + 3]); } } }
  console.log("properties arrays by owner:", [...owner.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => k + "=" + Math.round(v / N)).join(", ")); }
const rows = []; let total = 0;
for (const [k, [c, s]] of b) { const [c0, s0] = a.get(k) || [0, 0]; total += s - s0; if (Math.abs(s - s0) > N * 30) rows.push([k, ((c - c0) / N).toFixed(1), Math.round((s - s0) / N)]); }
gc(); console.log("total per conn", Math.round(total / N));
rows.sort((x, y) => y[2] - x[2]).slice(0, 12).forEach(r => console.log("  " + r.join("\t")));
child.send("bye"); await io.close(); process.exit(0);
