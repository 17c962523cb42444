import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Server } from "@sockline/core";
import { handOverUpgrade, type EnginePath } from "@sockline/core/integration";
import { rawEnginePathConstraint } from "./raw-path-constraint.js";

/**
 * Serves the engine path as ordinary Fastify routes, so that every `onRequest` / `preHandler`
 * hook of the enclosing context (auth, @fastify/cors, @fastify/rate-limit, request logging)
 * runs for polling requests and for upgrade requests alike. The routes live in their own
 * encapsulated context because the core must read the raw request body itself: that context
 * gets a catch-all content-type parser that leaves the body stream untouched, without
 * changing how the user's own routes parse bodies.
 */
export async function registerEngineRoutes(fastify: FastifyInstance, io: Server<any, any, any, any>, path: EnginePath): Promise<void> {
  await fastify.register(async function socklineEngineRoutes(context) {
    context.removeAllContentTypeParsers();
    context.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

    const handler = (request: FastifyRequest, reply: FastifyReply): void => {
      // Hooks set headers on the reply (CORS, rate-limit counters...); once hijacked, Fastify no
      // longer writes them: they go to the engine's answer instead.
      const hookHeaders = reply.getHeaders();
      reply.hijack();
      if (handOverUpgrade(io, request.raw, hookHeaders)) return;
      for (const [name, value] of Object.entries(hookHeaders)) {
        if (value !== undefined) reply.raw.setHeader(name, value as string | number | readonly string[]);
      }
      io.handleRequest(request.raw, reply.raw);
    };

    // Fastify matches decoded, normalized paths; the engine serves raw URLs under its path only.
    const constraints = rawEnginePathConstraint(context, path);
    const urls = [`${path.relative}/`, `${path.relative}/*`];
    // Without the trailing slash the engine also answers on the bare path, unless Fastify already
    // treats both forms as one route (declaring it twice would throw).
    if (!path.trailingSlash && !ignoresTrailingSlash(fastify)) urls.push(path.relative);
    for (const url of urls) {
      context.route({ method: ["GET", "POST", "OPTIONS"], url, constraints, exposeHeadRoute: false, handler });
    }
  });
}

function ignoresTrailingSlash(fastify: FastifyInstance): boolean {
  const config = fastify.initialConfig as { ignoreTrailingSlash?: boolean; routerOptions?: { ignoreTrailingSlash?: boolean } };
  return config.routerOptions?.ignoreTrailingSlash ?? config.ignoreTrailingSlash ?? false;
}
