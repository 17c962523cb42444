import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { EventEmitter } from "node:events";
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";

/** What the discovery needs from a mount. */
export interface ServerWatcher {
  /** The function HTTP servers call for requests (the root Express app). */
  readonly requestListener: (...args: any[]) => unknown;
  onServer(server: HttpServer): void;
}

/**
 * Reports every HTTP(S) server that runs `watcher.requestListener` (the server created by
 * `app.listen()` or `http.createServer(app)`) when it accepts its first connection, before that
 * connection's first request is parsed: even a client whose very first request is a websocket
 * upgrade finds the upgrade listener in place.
 *
 * Node publishes every accepted connection on the `net.server.socket` diagnostics channel. The
 * watcher is held weakly, so an app that is dropped does not stay alive through the subscription.
 * Returns the function that stops watching.
 */
export function watchServersRunning(watcher: ServerWatcher): () => void {
  const target = new WeakRef(watcher);
  const checked = new WeakSet<object>();
  const stop = (): void => {
    unsubscribe("net.server.socket", onConnection);
  };
  function onConnection(message: unknown): void {
    const current = target.deref();
    if (current === undefined) return stop();
    const server = (message as { socket?: Socket & { server?: unknown } }).socket?.server;
    if (!(server instanceof EventEmitter) || checked.has(server)) return;
    checked.add(server);
    if (server.listeners("request").includes(current.requestListener)) current.onServer(server as HttpServer);
  }
  subscribe("net.server.socket", onConnection);
  return stop;
}
