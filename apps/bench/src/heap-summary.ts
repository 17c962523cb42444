// Summarizes V8 heap snapshots written by `run.js --heap-snapshot` (memory scenario, with the idle
// clients connected): self size and count per constructor, divided by the number of connections,
// so two implementations can be compared object by object.
//   node apps/bench/dist/heap-summary.js results/heap/memory-sockline.heapsnapshot --per=1000 [--top=30]
import { readFileSync } from "node:fs";

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface ConstructorTotal {
  type: string;
  name: string;
  count: number;
  selfBytes: number;
}

export function constructorTotals(snapshot: HeapSnapshot): ConstructorTotal[] {
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const totals = new Map<string, ConstructorTotal>();
  for (let base = 0; base < snapshot.nodes.length; base += width) {
    const type = typeNames[snapshot.nodes[base + typeAt]!]!;
    // Strings, code and numbers are grouped by type; objects and closures by constructor name.
    const name =
      type === "object" || type === "closure" || type === "native" ? snapshot.strings[snapshot.nodes[base + nameAt]!]! : `(${type})`;
    const key = `${type}\u0000${name}`;
    const entry = totals.get(key) ?? { type, name, count: 0, selfBytes: 0 };
    entry.count++;
    entry.selfBytes += snapshot.nodes[base + sizeAt]!;
    totals.set(key, entry);
  }
  return [...totals.values()].sort((a, b) => b.selfBytes - a.selfBytes);
}

function main(): void {
  const args = process.argv.slice(2);
  const per = Number(args.find((arg) => arg.startsWith("--per="))?.slice(6) ?? 1);
  const top = Number(args.find((arg) => arg.startsWith("--top="))?.slice(6) ?? 30);
  for (const file of args.filter((arg) => !arg.startsWith("--"))) {
    const totals = constructorTotals(JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot);
    const all = totals.reduce((sum, entry) => sum + entry.selfBytes, 0);
    console.log(`\n${file}: ${(all / 1024 / 1024).toFixed(1)} MiB total; per ${per} connection(s): bytes, count`);
    for (const entry of totals.slice(0, top)) {
      console.log(`  ${(entry.selfBytes / per).toFixed(0).padStart(8)} B  ${(entry.count / per).toFixed(2).padStart(7)}  ${entry.name}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
