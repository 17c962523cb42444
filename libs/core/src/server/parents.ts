/**
 * The types of the links from a child up to its parent: `socket.nsp` is a `Namespace` and
 * `nsp.server` a `Server`, as in the reference. A module never imports a module above it, not even
 * for a type (the architecture test refuses type-only import cycles too), so a child's module cannot
 * name its parent's class. The parent's module registers its class here instead, by module
 * augmentation (`declare module "./parents.js"` in namespace.ts and server.ts), and the child's
 * module names it through `Parents`. Types only: nothing of it exists at run time.
 */
import type { EventsMap } from "./typed-events.js";

/** Filled in by namespace.ts (`namespace`) and server.ts (`server`). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by module augmentation; its parameters are used there
// biome-ignore lint/correctness/noUnusedVariables: the augmentations use the type parameters
export interface Parents<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ServerSideEvents extends EventsMap, SocketData> {}

/** The `Namespace` class with these event maps (registered by namespace.ts). */
export type NamespaceOf<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> = Parents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["namespace"];

/** The `Server` class with these event maps (registered by server.ts). */
export type ServerOf<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ServerSideEvents extends EventsMap,
  SocketData,
> = Parents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["server"];
