/**
 * The fast lane of long-polling. Every request of a polling session (a GET that waits for
 * packets, a POST that brings some) went through the whole Express app: `app.handle()`, the
 * prototype swaps, the router, then the mount. That costs more than the engine's own work on the
 * request, and it buys nothing when no middleware or route precedes the mount: nothing would run
 * before it. In that case the requests of open sessions go straight to the engine, as with the
 * reference server attached to the HTTP server. The handshake still goes through Express (it
 * becomes `socket.request`, an Express request as before), and so does every request the moment
 * anything precedes the mount.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Application, RequestHandler } from "express";
import createDebug from "debug";

const debug = createDebug("sockline:express:fast-lane");

/** What the fast lane needs from a mount. */
export interface FastLaneMount {
  /** The app the mount's middleware was added to. */
  readonly app: Application;
  /** The mount's middleware, as added to `app`. */
  readonly middleware: RequestHandler;
  mayBypassExpress(req: IncomingMessage): boolean;
  serveBypassingExpress(req: IncomingMessage, res: ServerResponse): void;
}

type HandleFn = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;
interface ExpressRouter {
  stack: { handle?: unknown }[];
}
type ExpressApp = Application & {
  handle: HandleFn;
  router: ExpressRouter;
  /** Express 4 only: where its router lives (its `app.router` getter throws). */
  _router?: ExpressRouter;
  lazyrouter?: () => void;
};

/**
 * Wraps `app.handle` (what an HTTP server running the app calls for each request) so that the
 * requests `mount.mayBypassExpress()` accepts skip Express while the mount's middleware is the
 * first layer of the app. Requests dispatched by a parent app (they come with a callback) always
 * take the normal way: the parent's middleware precedes the mount.
 */
export function bypassExpressWhenNothingPrecedes(app: Application, mount: FastLaneMount): void {
  const expressApp = app as ExpressApp;
  const handleThroughExpress = expressApp.handle;
  expressApp.handle = function handle(this: ExpressApp, req, res, callback) {
    if (callback === undefined && isFirstLayer(expressApp, mount.middleware) && mount.mayBypassExpress(req)) {
      return serve(expressApp, mount, req, res);
    }
    return handleThroughExpress.call(this, req, res, callback);
  };
}

function isFirstLayer(app: ExpressApp, middleware: RequestHandler): boolean {
  // Express 5 exposes its router as `app.router`. Express 4 keeps it in `app._router` and its `app.router`
  // throws; there, the first layers are Express's own (query parsing, expressInit), so the lane stays closed.
  const router = typeof app.lazyrouter === "function" ? app._router : app.router;
  return router?.stack[0]?.handle === middleware;
}

function serve(app: ExpressApp, mount: FastLaneMount, req: IncomingMessage, res: ServerResponse): void {
  // What Express would have put on the answer anyway.
  if (app.enabled("x-powered-by")) res.setHeader("X-Powered-By", "Express");
  try {
    mount.serveBypassingExpress(req, res);
  } catch (error) {
    // Express would have turned the throw into a 500 through its final handler: so do we, rather
    // than letting it escape into the HTTP server.
    debug("%s %s failed: %O", req.method, req.url, error);
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 500;
      res.end();
    }
  }
}
