// Soak: a mixed population of hostile and broken clients comes and goes while well-behaved clients
// exchange messages with acks, on the bare core, the Fastify plugin and the Express mount, all in one
// server process (soak/soak-server.ts). It passes when that process stays up, every well-behaved
// client gets every broadcast and every ack, and once the hostile clients are gone the process is
// back where it started: the same number of engine sessions, and the heap (after a full GC) near its
// starting size. SOAK_SECONDS sets the hostile phase (default 40); SOAK_KINDS (comma-separated) narrows
// the hostile kinds, to study one of them.
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { closeClients, connectClient, sleep, waitUntil, withTimeout, type ClientSocket } from "@sockline/e2e/support";
import { HOSTILE_KINDS, runHostile } from "./soak/hostile.js";
import type { MountName, SoakCommand, SoakReport } from "./soak/soak-server.js";

const HOSTILE_SECONDS = Number(process.env.SOAK_SECONDS ?? 40);
/** Hostile clients alive at once, across the three mounts. */
const HOSTILE_CONCURRENCY = 12;
/** What "back near the start" allows the heap: code compiled and caches warmed by the hostile paths. */
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;
const MOUNTS: readonly MountName[] = ["core", "fastify", "express"];
const KINDS = process.env.SOAK_KINDS ? HOSTILE_KINDS.filter((k) => process.env.SOAK_KINDS!.split(",").includes(k)) : HOSTILE_KINDS;

type Snapshot = Extract<SoakReport, { type: "snapshot" }>;

/** The soak server process, and a request/answer channel to it. */
class SoakProcess {
  readonly exited: Promise<number | null>;
  private nextId = 1;
  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  static async start(): Promise<{ process: SoakProcess; urls: Record<MountName, string> }> {
    const script = fileURLToPath(new URL("./soak/soak-server.js", import.meta.url));
    const child = fork(script, { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const soak = new SoakProcess(child);
    const ready = await withTimeout(
      new Promise<Extract<SoakReport, { type: "ready" }>>((resolve, reject) => {
        child.on("message", (m: SoakReport) => m.type === "ready" && resolve(m));
        child.once("exit", (code) => reject(new Error(`soak server exited with ${code} before it was ready`)));
      }),
      "the soak server to start",
    );
    return { process: soak, urls: ready.urls };
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  ask<T extends SoakReport>(type: SoakCommand["type"]): Promise<T> {
    const id = this.nextId++;
    return withTimeout(
      new Promise<T>((resolve, reject) => {
        const onMessage = (m: SoakReport) => {
          if ("id" in m && m.id === id) {
            this.child.off("message", onMessage);
            resolve(m as T);
          }
        };
        this.child.on("message", onMessage);
        this.exited.then((code) => reject(new Error(`soak server exited with ${code}`)));
        this.child.send({ type, id } satisfies SoakCommand);
      }),
      `the soak server's answer to "${type}"`,
    );
  }
}

/** A well-behaved client: counts the broadcast sequence for gaps and sends echoes with acks. */
class WellBehavedClient {
  ticks = 0;
  gaps: string[] = [];
  sent = 0;
  acked = 0;
  wrongAcks = 0;
  /** Echoes that got no ack (timeout, or the connection went away), with the error. */
  lostAcks: string[] = [];
  private lastSeq: number | undefined;
  private echoing: Promise<void> | undefined;
  private stopping = false;

  constructor(
    readonly name: string,
    readonly socket: ClientSocket,
  ) {
    socket.on("tick", (seq: number) => {
      if (this.lastSeq !== undefined && seq !== this.lastSeq + 1) this.gaps.push(`${this.lastSeq} -> ${seq}`);
      this.lastSeq = seq;
      this.ticks++;
    });
  }

  startEchoing(): void {
    this.echoing = (async () => {
      while (!this.stopping) {
        const value = `${this.name}#${++this.sent}`;
        try {
          const answer = await this.socket.timeout(30_000).emitWithAck("echo", value);
          if (answer === value) this.acked++;
          else this.wrongAcks++;
        } catch (err) {
          this.lostAcks.push(`${value}: ${(err as Error).message}`);
          if (!this.socket.connected) return;
        }
        await sleep(100);
      }
    })();
  }

  async stopEchoing(): Promise<void> {
    this.stopping = true;
    await this.echoing;
  }
}

describe("soak: hostile and broken clients come and go while normal clients carry on", { timeout: (HOSTILE_SECONDS + 120) * 1000 }, () => {
  let soak: SoakProcess;
  let urls: Record<MountName, string>;
  const normal: WellBehavedClient[] = [];

  before(async () => {
    ({ process: soak, urls } = await SoakProcess.start());
    for (const mount of MOUNTS) {
      const variants: [string, ("polling" | "websocket")[]][] = [
        ["websocket", ["websocket"]],
        ["polling", ["polling"]],
        ["upgrade", ["polling", "websocket"]],
      ];
      for (const [label, transports] of variants) {
        const socket = await connectClient(urls[mount], { transports });
        normal.push(new WellBehavedClient(`${mount}/${label}`, socket));
      }
    }
  });

  after(async () => {
    closeClients(normal.map((c) => c.socket));
    if (soak?.alive) await soak.ask("close").catch(() => {});
    if (soak?.alive) soak.child.kill();
  });

  it("stays up, serves every normal client fully, and returns to its starting sessions and heap", async () => {
    for (const client of normal) client.startEchoing();
    await sleep(3_000); // warm up: every path of the normal traffic compiled, buffers at their working size
    const start = await soak.ask<Snapshot>("snapshot");
    assert.deepEqual(start.clients, { core: 3, fastify: 3, express: 3 }, "only the normal clients at the start");

    // the hostile phase: clients of every kind against every mount, in waves, at most HOSTILE_CONCURRENCY at once
    const deadline = Date.now() + HOSTILE_SECONDS * 1000;
    const started: Record<string, number> = {};
    let running = 0;
    const all: Promise<void>[] = [];
    let turn = 0;
    while (Date.now() < deadline) {
      assert.ok(soak.alive, "the soak server died during the hostile phase");
      if (running >= HOSTILE_CONCURRENCY) {
        await sleep(50);
        continue;
      }
      const kind = KINDS[turn % KINDS.length]!;
      const mount = MOUNTS[Math.floor(turn / KINDS.length) % MOUNTS.length]!;
      turn++;
      started[kind] = (started[kind] ?? 0) + 1;
      running++;
      all.push(runHostile(kind, urls[mount]).finally(() => running--));
      await sleep(100);
    }
    await withTimeout(Promise.all(all), "the hostile clients to end", 60_000);
    assert.ok(soak.alive, "the soak server died");

    await Promise.all(normal.map((c) => withTimeout(c.stopEchoing(), `${c.name}'s last ack`, 60_000)));
    // every hostile session reaped: the heartbeat (3 s + 3 s) bounds the ones that just went quiet
    let end = await soak.ask<Snapshot>("snapshot");
    await waitUntil(
      async () => {
        end = await soak.ask<Snapshot>("snapshot");
        return MOUNTS.every((m) => end.clients[m] === 3);
      },
      "every hostile session to be closed",
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; sessions left: ${JSON.stringify(end.sessions)}`);
    });
    end = await soak.ask<Snapshot>("snapshot");

    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `soak: ${turn} hostile clients ${JSON.stringify(started)}; heap ${mb(start.heapUsed)} -> ${mb(end.heapUsed)}, ` +
        `rss ${mb(start.rss)} -> ${mb(end.rss)}; diagnostics ${JSON.stringify(end.diagnostics)}`,
    );
    for (const client of normal) {
      assert.ok(client.socket.connected, `${client.name} is still connected`);
      assert.deepEqual(client.gaps, [], `${client.name} missed no broadcast`);
      assert.ok(client.ticks > 0, `${client.name} got broadcasts`);
      assert.equal(client.wrongAcks, 0, `${client.name} got only right acks`);
      assert.deepEqual(client.lostAcks, [], `${client.name} lost no ack`);
      assert.equal(client.acked, client.sent, `${client.name} got an ack for every echo`);
    }
    assert.ok(end.heapUsed - start.heapUsed < HEAP_SLACK_BYTES, `heap back near the start: ${mb(start.heapUsed)} -> ${mb(end.heapUsed)}`);
    // the limits, not the heartbeat, dealt with the hostile clients, and each refusal was reported
    // (a namespace spammer is one connection: maxNamespacesPerConnection stops it before maxChildNamespaces)
    for (const limit of ["maxBufferedBytes", "maxAttachmentBytes", "maxPacketsPerPayload", "maxNamespacesPerConnection"]) {
      assert.ok((end.diagnostics[limit] ?? 0) > 0, `${limit} was reached and reported: ${JSON.stringify(end.diagnostics)}`);
    }
  });
});
