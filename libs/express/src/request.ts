import type { IncomingMessage } from "node:http";
import type { Request } from "express";

/**
 * `socket.request` typed as the Express request it is. The core types it as Node's `IncomingMessage`
 * (it knows no framework), but a server mounted with `sockline(app)` takes every handshake through the
 * app, so the request was decorated by the middleware before the mount: whatever their typings add to
 * Express's `Request` (`session` from express-session, `user` from passport, `signedCookies` from
 * cookie-parser) is typed here too, with no module augmentation of `node:http` that could clash with them.
 *
 * Throws a `TypeError` when the request never went through an Express app (a socket of a server that is
 * not mounted with `sockline(app)`): there is no middleware state to read, better said than `undefined`.
 */
export function expressRequest(socket: { readonly request: IncomingMessage }): Request {
  const request = socket.request as Request;
  // Express gives every request it handles its own prototype (app.request), with `get()` and `app`.
  if (typeof request.get !== "function" || request.app === undefined) {
    throw new TypeError("expressRequest: socket.request did not go through an Express app (mount the server with sockline(app))");
  }
  return request;
}
