import type { DefaultEventsMap, Server } from "@sockline/core";

/**
 * Augment this interface to type `app.io` with your event maps:
 *
 * ```ts
 * declare module "@sockline/fastify" {
 *   interface SocklineFastifyTypes {
 *     listenEvents: ClientToServerEvents;
 *     emitEvents: ServerToClientEvents;
 *     serverSideEvents: InterServerEvents;
 *     socketData: SocketData;
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: the augmentation point users merge their event maps into
export interface SocklineFastifyTypes {}

type Configured<Key extends string, Default> = SocklineFastifyTypes extends { [K in Key]: infer T } ? T : Default;

type ListenEvents = Configured<"listenEvents", DefaultEventsMap>;

/** The type of `app.io`, following the event maps declared in `SocklineFastifyTypes`. */
export type FastifySocklineServer = Server<
  ListenEvents,
  Configured<"emitEvents", ListenEvents>,
  Configured<"serverSideEvents", DefaultEventsMap>,
  Configured<"socketData", any>
>;

declare module "fastify" {
  interface FastifyInstance {
    /** The Sockline (Socket.IO) server mounted by `@sockline/fastify`. */
    io: FastifySocklineServer;
  }
}
