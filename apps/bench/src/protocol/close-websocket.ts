import WebSocket from "ws";

/** How long a polite close may take before the connection is cut: the run must not wait on a stuck server. */
const CLOSE_GRACE_MS = 3000;

/** Closes `ws` with a close frame, or terminates it if the server does not answer in time; never rejects. */
export function closeWebSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, CLOSE_GRACE_MS);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close();
  });
}
