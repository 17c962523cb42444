import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** `node apps/chat/dist/main.js` as a user runs it (`npm start`), on a free port unless PORT is given. */
export function startMain(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", REDIS_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const url = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /open (http:\/\/\S+)/.exec(stdout);
      if (match) {
        child.stdout.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout.on("data", onData);
    void exited.then(([code]) => reject(new Error(`main.js exited (${code}) before listening: ${stdout}${stderr}`)));
  });
  url.catch(() => {}); // a test that expects the process to fail never awaits the URL
  return { child, url, exited, output: () => stdout + stderr };
}

export type MainProcess = ReturnType<typeof startMain>;

/** Kills the process if it is still running (SIGKILL: a crash, no goodbye to the clients). */
export async function killMain(main: MainProcess): Promise<void> {
  if (main.child.exitCode !== null || main.child.signalCode !== null) return;
  main.child.kill("SIGKILL");
  await main.exited;
}
