/**
 * Engine behaviours the reference `engine.io` 6 defines, run against both engines (ours and the
 * reference) so the expectations are the reference's, not ours:
 * - a polling session closed while no GET is pending still finishes closing (ping timeout);
 * - `send()` of data that is neither text nor binary (numbers, booleans, objects) is sent as text.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { once as onceEvent } from "node:events";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as ReferenceEngine } from "engine.io";
import { Socket as ClientSocket } from "engine.io-client";
import { Server as SocklineEngine } from "@sockline/core/engine";
import { once, withTimeout } from "@sockline/e2e/support";

/** What both engines share for these tests. */
interface AnyEngine {
  clientsCount: number;
  on(event: "connection", fn: (socket: AnySession) => void): unknown;
  once(event: "connection", fn: (socket: AnySession) => void): unknown;
  close(): unknown;
}
interface AnySession {
  readonly readyState: string;
  send(data: unknown): unknown;
  close(): unknown;
  on(event: string, fn: (...args: any[]) => void): unknown;
  off(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
}

interface Started {
  engine: AnyEngine;
  http: HttpServer;
  port: number;
  close(): Promise<void>;
}

async function start(impl: "sockline" | "reference", opts: { pingInterval?: number; pingTimeout?: number } = {}): Promise<Started> {
  const http = createServer();
  const engine = (impl === "sockline" ? new SocklineEngine(opts) : new ReferenceEngine(opts)) as unknown as AnyEngine & {
    attach(http: HttpServer): void;
  };
  engine.attach(http);
  http.listen(0, "127.0.0.1");
  await onceEvent(http, "listening");
  return {
    engine,
    http,
    port: (http.address() as AddressInfo).port,
    async close() {
      engine.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * The reference's polling transport keeps its 30 s close timer running after the session closed
 * (it is not unref'd), which would hold the test process for 30 s. Shortened to 2 s, still far
 * behind the ping timeout these tests wait for (pingInterval 150 + pingTimeout 100 ms), so the
 * outcome is the same; Sockline's own close wait is unref'd and cleared when the session closes.
 */
function shortenReferenceCloseWait(socket: AnySession): void {
  const transport = (socket as unknown as { transport: { closeTimeout?: number } }).transport;
  if (typeof transport.closeTimeout === "number") transport.closeTimeout = 2000;
}

for (const impl of ["sockline", "reference"] as const) {
  describe(`[${impl} engine] a polling session closed while no GET is pending`, () => {
    let server: Started;
    before(async () => {
      server = await start(impl, { pingInterval: 150, pingTimeout: 100 });
    });
    after(() => server.close());

    it("finishes closing at the ping timeout: close event, clientsCount back to 0", async () => {
      const session = new Promise<AnySession>((resolve) => server.engine.once("connection", resolve));
      // the handshake GET is answered; the client then never polls again (it went away)
      const res = await fetch(`http://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=polling`);
      assert.match(await res.text(), /^0\{"sid"/);
      const socket = await session;
      shortenReferenceCloseWait(socket);
      const closed = once<[string]>(socket, "close", { what: "the session's close event" });
      socket.close();
      assert.equal(socket.readyState, "closing", "the close packet waits for a GET that never comes");
      const [reason] = await closed;
      assert.equal(reason, "ping timeout");
      assert.equal(socket.readyState, "closed");
      assert.equal(server.engine.clientsCount, 0);
    });

    it("also with packets still buffered for the GET", async () => {
      const session = new Promise<AnySession>((resolve) => server.engine.once("connection", resolve));
      const res = await fetch(`http://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=polling`);
      await res.text();
      const socket = await session;
      shortenReferenceCloseWait(socket);
      const closed = once<[string]>(socket, "close", { what: "the session's close event" });
      socket.send("never polled");
      socket.close();
      assert.equal((await closed)[0], "ping timeout");
      assert.equal(server.engine.clientsCount, 0);
    });
  });

  describe(`[${impl} engine] send() of data that is neither text nor binary`, () => {
    let server: Started;
    before(async () => {
      server = await start(impl);
    });
    after(() => server.close());

    const sent: unknown[] = [42, 0, 1.5, true, false, null, undefined, { a: 1 }, [1, 2], new Date(0), "text"];
    // the reference's conversion: "4" + (data || ""); engine.io-client gives an empty message as undefined
    const expected = sent.map((value) => (value ? "" + (value as string) : undefined));

    for (const transport of ["polling", "websocket"] as const) {
      it(`${transport}: numbers, booleans, null, objects arrive as their text, in order, nothing throws`, async () => {
        const session = new Promise<AnySession>((resolve) => server.engine.once("connection", resolve));
        const client = new ClientSocket(`http://127.0.0.1:${server.port}`, { path: "/engine.io", transports: [transport] });
        try {
          await once(client, "open", { what: "the client to open" });
          const socket = await session;
          const received: unknown[] = [];
          const all = new Promise<void>((resolve) =>
            client.on("message", (data: unknown) => {
              received.push(data);
              if (received.length === sent.length) resolve();
            }),
          );
          for (const value of sent) socket.send(value);
          await withTimeout(all, `${sent.length} messages`);
          assert.deepEqual(received, expected);
          assert.equal(socket.readyState, "open");
        } finally {
          client.close();
        }
      });
    }
  });
}
