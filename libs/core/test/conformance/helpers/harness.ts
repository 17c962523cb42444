// One server plus the official clients a test opens against it, closed together.
import { io as connectClient } from "socket.io-client";
import type { ServerOptions, Socket as ServerSocket } from "socket.io";
import { startServer, type IoServer, type StartedServer } from "./impl.js";
import { closeClients, connected as clientConnected, once, waitUntil, type ClientOptions, type ClientSocket } from "@sockline/e2e/support";

export type { ClientOptions, ClientSocket, ServerSocket };

/** How the official client reaches the server. */
export type TransportMode = "websocket" | "polling" | "upgrade";

export const TRANSPORT_MODES: readonly TransportMode[] = ["websocket", "polling", "upgrade"];

const TRANSPORTS: Record<TransportMode, ("polling" | "websocket")[]> = {
  websocket: ["websocket"],
  polling: ["polling"],
  upgrade: ["polling", "websocket"],
};

/** Resolves on the client's "connect", rejects with the reason (naming the namespace) on its "connect_error". */
export async function connected(client: ClientSocket, nsp = "/"): Promise<void> {
  try {
    await clientConnected(client, `the client to connect to ${nsp}`);
  } catch (error) {
    throw new Error(`client could not connect to ${nsp}: ${(error as Error).message}`, { cause: error });
  }
}

export class Harness {
  private readonly clients = new Set<ClientSocket>();

  private constructor(
    readonly server: StartedServer,
    readonly mode: TransportMode,
  ) {}

  static async start(opts: Partial<ServerOptions> = {}, mode: TransportMode = "websocket"): Promise<Harness> {
    return new Harness(await startServer(opts), mode);
  }

  get io(): IoServer {
    return this.server.io;
  }

  get url(): string {
    return this.server.url;
  }

  /** A new client (its own Manager), not yet awaited; reconnection is off unless asked for. */
  client(nsp = "/", opts: ClientOptions = {}): ClientSocket {
    const socket = connectClient(this.url + nsp, {
      forceNew: true,
      reconnection: false,
      transports: TRANSPORTS[this.mode],
      ...opts,
    });
    this.clients.add(socket);
    return socket;
  }

  /**
   * A client that has connected (and, in "upgrade" mode, finished upgrading to websocket),
   * together with its server-side socket.
   */
  async connect(nsp = "/", opts: ClientOptions = {}): Promise<{ client: ClientSocket; socket: ServerSocket }> {
    const namespace = this.io.of(nsp);
    const serverSide = once<[ServerSocket]>(namespace, "connection", { what: `connection on ${nsp}` });
    const client = this.client(nsp, opts);
    await connected(client, nsp);
    const [socket] = await serverSide;
    // The client's "connect" can precede the server's "connection" listener of another client:
    // pair them by id so concurrent connects do not get mixed up.
    const paired = socket.id === client.id ? socket : namespace.sockets.get(client.id!);
    if (!paired) throw new Error(`no server socket for client ${client.id} on ${nsp}`);
    await this.upgradedIfNeeded(client, paired);
    return { client, socket: paired };
  }

  /** In "upgrade" mode, waits until both ends of this connection run over websocket. */
  async upgradedIfNeeded(client: ClientSocket, socket: ServerSocket): Promise<void> {
    if (this.mode !== "upgrade") return;
    await this.upgraded(client);
    // the client reports its upgrade before the server has switched transports
    await waitUntil(() => socket.conn.transport.name === "websocket", "the server to finish the upgrade");
  }

  /** Waits until the client's engine runs over websocket. */
  async upgraded(client: ClientSocket): Promise<void> {
    const engine = client.io.engine;
    if (engine.transport.name !== "websocket") await once(engine, "upgrade", { what: "transport upgrade" });
  }

  /** Closes every client this harness opened, then the server. */
  async close(): Promise<void> {
    closeClients(this.clients);
    this.clients.clear();
    // Let the server see those closes first: closing a long-polling session from the server side
    // while no poll is pending makes the reference wait out its closeTimeout (30 s) before exiting.
    await waitUntil(() => this.io.engine.clientsCount === 0, "clients to disconnect", 2000).catch(() => undefined);
    await this.server.close();
  }
}
