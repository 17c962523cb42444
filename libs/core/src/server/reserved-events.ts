/** Names an application may not emit to a client: the client library uses them itself. */
export { RESERVED_EVENTS } from "../parser/index.js";

/** Names an application may not use with `serverSideEmit`: the namespace fires them itself. */
export const NAMESPACE_RESERVED_EVENTS: ReadonlySet<string> = new Set(["connect", "connection", "new_namespace"]);

export function assertNotReserved(reserved: ReadonlySet<string>, ev: unknown): void {
  if (reserved.has(ev as string)) throw new Error(`"${String(ev)}" is a reserved event name`);
}
