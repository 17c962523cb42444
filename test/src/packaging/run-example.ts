// Runs a compiled README example as a user runs their app (`node out/x.js`, from the fresh app), moved
// from port 3000 to a free port by a preloaded hook that reports where it listens.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withTimeout } from "@sockline/e2e/support";

const HOOK = fileURLToPath(new URL("../../fixtures/packaging/listen-on-free-port.cjs", import.meta.url));
const LISTENING = /\[readme-example\] listening on (\d+)/;

export interface RunningExample {
  /** `http://localhost:<port>` */
  url: string;
  output(): string;
  /** Ends the process (SIGTERM: the examples have no shutdown of their own) and waits for its exit. */
  stop(): Promise<void>;
}

export async function startExample(appDir: string, script: string): Promise<RunningExample> {
  const hook = join(appDir, "listen-on-free-port.cjs");
  copyFileSync(HOOK, hook);
  const child = spawn(process.execPath, ["--require", hook, script], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: "production", DEBUG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    const port = await withTimeout(
      new Promise<string>((resolve, reject) => {
        const onData = () => {
          const match = LISTENING.exec(output);
          if (match) resolve(match[1]!);
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        void exited.then(([code]) => reject(new Error(`${script} exited (${code}) before listening:\n${output}`)));
      }),
      `${script} to listen`,
    );
    return { url: `http://localhost:${port}`, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
