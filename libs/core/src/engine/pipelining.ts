/**
 * HTTP/1.1 pipelining meets upgrades. A client may send an upgrade right behind an ordinary
 * request, in the same TCP write. Node's HTTP server hands the socket to its `upgrade` listeners at
 * once, while the response to the earlier request is still being written: that response stays
 * assigned to the socket (`socket._httpMessage`) until it finishes. Whatever answers the upgrade
 * must wait for it, as Node does for pipelined requests it serves itself (answers leave in request
 * order): a 101 written first would land in front of the earlier answer, and a stand-in
 * `ServerResponse` cannot be assigned to the socket meanwhile (Node throws ERR_HTTP_SOCKET_ASSIGNED).
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** The response Node is still writing on `socket` for an earlier request of the connection, if any. */
export function responseInFlight(socket: Duplex): ServerResponse | null {
  // Node keeps the response that owns the socket there (assignSocket / detachSocket); nothing
  // public says it.
  return (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}

/**
 * Calls `then` once no earlier response is being written on `socket`: at once when none is, else
 * after the last one finishes (Node gives the socket to each queued response in turn, when the one
 * before has finished). If the connection closes first, `then` is never called. Returns the
 * function that cancels the wait.
 */
export function afterResponsesInFlight(socket: Duplex, then: () => void): () => void {
  let current: ServerResponse | null = null;
  const stop = (): void => {
    if (current === null) return;
    current.off("finish", onFinish);
    current.off("close", stop);
    current = null;
  };
  // Node's own "finish" listener (registered when it created the response) has already run:
  // the socket is detached, or assigned to the next queued response.
  const onFinish = (): void => {
    stop();
    wait();
  };
  const wait = (): void => {
    current = responseInFlight(socket);
    if (current === null) return then();
    current.once("finish", onFinish);
    // closed before it finished: the connection is gone
    current.once("close", stop);
  };
  wait();
  return stop;
}
