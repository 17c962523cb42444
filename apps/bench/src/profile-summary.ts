// Prints the functions with the most self time in V8 CPU profiles written by `run.js --profile`:
//   node apps/bench/dist/profile-summary.js results/profiles/echo-sockline-r0-n0.cpuprofile [--top=25]
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  location: string;
  ms: number;
  share: number;
}

export function selfTimes(profile: CpuProfile): SelfTime[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, { name: string; location: string; us: number }>();
  let all = 0;
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byNode.get(nodeId)?.callFrame;
    if (!frame) return;
    all += delta;
    const url = frame.url.startsWith("file://") ? relative(process.cwd(), new URL(frame.url).pathname) : frame.url;
    const location = url ? `${url}:${frame.lineNumber + 1}` : "";
    const name = frame.functionName || "(anonymous)";
    const key = `${name}@${location}`;
    const entry = totals.get(key) ?? { name, location, us: 0 };
    entry.us += delta;
    totals.set(key, entry);
  });
  return [...totals.values()]
    .map((entry) => ({ name: entry.name, location: entry.location, ms: entry.us / 1000, share: all > 0 ? entry.us / all : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function main(): void {
  const args = process.argv.slice(2);
  const top = Number(args.find((arg) => arg.startsWith("--top="))?.slice(6) ?? 25);
  const files = args.filter((arg) => !arg.startsWith("--"));
  if (files.length === 0) {
    console.error("usage: node apps/bench/dist/profile-summary.js <file.cpuprofile>... [--top=25]");
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    console.log(`\n${file}\n  self ms   share  function  (location)`);
    for (const entry of selfTimes(profile).slice(0, top)) {
      console.log(
        `  ${entry.ms.toFixed(1).padStart(8)}  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}  (${entry.location})`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
