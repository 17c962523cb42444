// The TypeScript examples of the READMEs, read from the READMEs themselves: what is compiled and run is
// what a user copies, so the two cannot drift apart. Every ```ts block is one complete module.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LIBS } from "./fresh-app.js";

export interface ReadmeExample {
  /** A file name for the block: `fastify-1` (first block of libs/fastify/README.md), `root-2`... */
  id: string;
  /** `libs/fastify/README.md:7`: where the block starts, for failure messages. */
  where: string;
  source: string;
}

/** The READMEs whose examples are compiled: the repository's and every published package's. */
export function readmePaths(): Array<{ prefix: string; path: string }> {
  return [{ prefix: "root", path: "README.md" }, ...LIBS.map((dir) => ({ prefix: dir, path: `libs/${dir}/README.md` }))];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;

/** The fenced blocks tagged `ts` or `typescript` of one Markdown text, with their indentation removed. */
export function typescriptBlocks(markdown: string): Array<{ line: number; source: string }> {
  const blocks: Array<{ line: number; source: string }> = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && !(lines[end]!.trim().startsWith(fence!) && lines[end]!.trim().replace(/[`~]/g, "") === "")) {
      const line = lines[end]!;
      body.push(line.startsWith(indent!) ? line.slice(indent!.length) : line.trimStart());
      end++;
    }
    if (info === "ts" || info === "typescript") blocks.push({ line: i + 1, source: `${body.join("\n")}\n` });
    i = end;
  }
  return blocks;
}

/** Every TypeScript example of the READMEs, in README order. */
export function readmeExamples(root: string): ReadmeExample[] {
  return readmePaths().flatMap(({ prefix, path }) =>
    typescriptBlocks(readFileSync(join(root, path), "utf8")).map((block, index) => ({
      id: `${prefix}-${index + 1}`,
      where: `${path}:${block.line}`,
      source: block.source,
    })),
  );
}

/** The example of `readme` (e.g. `libs/gateway/README.md`) whose source contains `marker`; throws when none does. */
export function exampleContaining(examples: readonly ReadmeExample[], readme: string, marker: string): ReadmeExample {
  const found = examples.find((e) => e.where.startsWith(`${readme}:`) && e.source.includes(marker));
  if (!found) throw new Error(`no TypeScript example of ${readme} contains ${JSON.stringify(marker)}: was the README changed?`);
  return found;
}
