// Listening helpers shared by the implementation modules: every server binds 127.0.0.1 on an
// ephemeral port, never a public interface.
import cluster from "node:cluster";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";

export function listenLocal(server: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // a cluster worker (IPC routed scenarios) listens on a port of its own, not one shared by the workers
    server.listen({ port: 0, host: "127.0.0.1", exclusive: cluster.isWorker }, () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
