/**
 * Type tests of the observability API: `io.metrics()`, `engine.metrics()`, `@sockline/core/prometheus`
 * and the tracing channel contexts, compiled by TypeScript 5 (never run). Each `@ts-expect-error`
 * line must be an error, or the check fails.
 */
import { Server, traceHandlerPromise, type EngineMetricsSnapshot, type HandlerContext, type MetricsSnapshot } from "@sockline/core";
import { registerMetrics, type PrometheusOptions, type RegisteredMetrics } from "@sockline/core/prometheus";
import { Registry } from "prom-client";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectTrue<T extends true>(_proof?: T): void {}

export function typeChecks(io: Server): void {
  const snapshot = io.metrics();
  expectTrue<Equal<typeof snapshot, MetricsSnapshot>>();
  expectTrue<Equal<typeof snapshot.engine, EngineMetricsSnapshot | undefined>>();
  expectTrue<Equal<ReturnType<typeof io.engine.metrics>, EngineMetricsSnapshot>>();
  const websocket: number | undefined = snapshot.engine?.connected.websocket;
  const events: number = snapshot.packets.in.EVENT;
  // @ts-expect-error: packet types are named, not numbered
  snapshot.packets.in[2];
  const pending: number = snapshot.acks.pending;
  const reachable: number | boolean | undefined = snapshot.adapters["/"]?.reachable;
  void [websocket, events, pending, reachable];

  // a prom-client Registry is a registry
  const registered: RegisteredMetrics = registerMetrics(io, {
    registry: new Registry(),
    prefix: "app_",
    handlerTimings: { maxEvents: 50 },
  });
  registered.stop();
  const options: PrometheusOptions = { handlerTimings: true };
  // @ts-expect-error: maxEvents is a number
  const wrong: PrometheusOptions = { handlerTimings: { maxEvents: "50" } };
  void [options, wrong];

  const context = {} as HandlerContext;
  const event: unknown = context.event;
  const work: Promise<number> = traceHandlerPromise(Promise.resolve(1));
  void [event, work];
}
