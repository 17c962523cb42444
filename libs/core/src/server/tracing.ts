/**
 * Tracing through `node:diagnostics_channel`, the convention of Fastify and undici: an
 * instrumentation (OpenTelemetry's, an APM agent's, a test's) subscribes by channel name, the
 * application adds no Sockline-specific code. Nothing is built or published while a channel has no
 * subscriber: each call site checks `hasSubscribers` first (one property read), so tracing costs
 * nothing when nobody looks.
 *
 * Channels (shapes documented in `docs/observability.md`):
 * - `sockline:connection`: a socket joined a namespace (`ConnectionMessage`);
 * - `sockline:disconnect`: a socket left it (`DisconnectMessage`);
 * - `sockline:packet`: a Socket.IO packet received or written (`PacketMessage`);
 * - tracing channel `sockline:handler`: the listeners of an event a client sent (`HandlerContext`);
 * - tracing channel `sockline:ack`: an emit with acknowledgement, until the answer or the timeout (`AckContext`).
 */
import diagnosticsChannel from "node:diagnostics_channel";
import type { Packet } from "../parser/index.js";

/** The socket as the channels' messages carry it (the `Socket` itself: subscribers may read anything on it). */
export interface TracedSocket {
  readonly id: string;
  readonly nsp: { readonly name: string };
}

export interface ConnectionMessage {
  socket: TracedSocket;
  nsp: string;
  /** Whether connection state recovery gave the socket back its previous session. */
  recovered: boolean;
}

export interface DisconnectMessage {
  socket: TracedSocket;
  nsp: string;
  reason: string;
  description?: unknown;
}

export interface PacketMessage {
  direction: "in" | "out";
  /** The packet: `type` (a `PacketType`), `nsp`, `data`, `id`. Do not change it. */
  packet: Packet;
  /** The socket of the packet's namespace on that connection, when there is one (none for a first CONNECT, a CONNECT_ERROR). */
  socket: TracedSocket | undefined;
  /** Set for a copy of a broadcast. */
  broadcast?: true;
}

/**
 * The context of a `sockline:handler` span: the listeners of one event a client sent. The span
 * ends with the listeners' synchronous part (`end`), or, when a listener continued it with
 * `traceHandlerPromise` (the gateways do: validation, guards and the handler's promise), when that
 * work settles (`asyncStart` / `asyncEnd`, with `error` first if it failed).
 */
export interface HandlerContext {
  socket: TracedSocket;
  nsp: string;
  /** The event name (what the client sent: not necessarily a string). */
  event: unknown;
  /** The arguments, the ack callback last when the client asked for one. */
  args: unknown[];
  /** Set when the listeners threw, or when the work passed to `traceHandlerPromise` rejected. */
  error?: unknown;
  /** Set when the span continues after `end` (see `traceHandlerPromise`). */
  async?: boolean;
}

/** The context of a `sockline:ack` span: from the emit to the answer (`asyncEnd`) or the timeout (`error`, then `asyncEnd`). */
export interface AckContext {
  socket: TracedSocket;
  nsp: string;
  event: unknown;
  /** The packet id the client answers. */
  id: number;
  /** The timeout set with `socket.timeout(ms)`, if any. */
  timeout: number | undefined;
  /** The client's answer (the arguments the ack callback got). */
  result?: unknown[];
  /** The timeout error. */
  error?: unknown;
}

export const connectionChannel = diagnosticsChannel.channel("sockline:connection");
export const disconnectChannel = diagnosticsChannel.channel("sockline:disconnect");
export const packetChannel = diagnosticsChannel.channel("sockline:packet");
// `hasSubscribers` of a TracingChannel (any of its five channels) is in Node since 20.13 (engines: >= 20.19); @types/node 20 lacks it.
type Traced<C> = C & { readonly hasSubscribers: boolean };
export const handlerChannel = diagnosticsChannel.tracingChannel<unknown, HandlerContext>("sockline:handler") as Traced<
  diagnosticsChannel.TracingChannel<unknown, HandlerContext>
>;
export const ackChannel = diagnosticsChannel.tracingChannel<unknown, AckContext>("sockline:ack") as Traced<
  diagnosticsChannel.TracingChannel<unknown, AckContext>
>;

/** The handler span open on this tick (listeners run synchronously inside it), for `traceHandlerPromise`. */
let openHandlerSpan: HandlerContext | undefined;
/** The work listeners of the open span handed to `traceHandlerPromise`. */
let continuations: Promise<unknown>[] | undefined;

/**
 * @internal Runs `listeners` (the emit of a client's event) inside a `sockline:handler` span. Only
 * called when the channel has subscribers.
 */
export function traceHandler(context: HandlerContext, listeners: () => void): void {
  const outerSpan = openHandlerSpan;
  const outerContinuations = continuations;
  openHandlerSpan = context;
  continuations = undefined;
  let pending: Promise<unknown>[] | undefined;
  try {
    handlerChannel.start.runStores(context, () => {
      try {
        listeners();
      } catch (err) {
        context.error = err;
        handlerChannel.error.publish(context);
        throw err;
      } finally {
        pending = continuations;
        if (pending !== undefined) context.async = true;
        handlerChannel.end.publish(context);
      }
    });
  } finally {
    openHandlerSpan = outerSpan;
    continuations = outerContinuations;
  }
  if (pending === undefined) return;
  const settle = () => {
    handlerChannel.asyncStart.publish(context);
    handlerChannel.asyncEnd.publish(context);
  };
  Promise.all(pending).then(settle, (err: unknown) => {
    context.error = err;
    handlerChannel.error.publish(context);
    settle();
  });
}

/**
 * Continues the `sockline:handler` span of the event being handled until `work` settles: for a
 * listener whose handling goes on after it returns (an async handler, a gateway's validation and
 * guards). Returns `work`. Outside a listener of a client's event, or while nobody subscribes to
 * the channel, it does nothing.
 */
export function traceHandlerPromise<T>(work: Promise<T>): Promise<T> {
  if (openHandlerSpan !== undefined) (continuations ??= []).push(work);
  return work;
}

/**
 * @internal Starts a `sockline:ack` span for an emit with ack id `id` and returns the callback to
 * register instead of `ack`: it ends the span when the answer (or the timeout) comes. Only called
 * when the channel has subscribers.
 */
export function traceAck<A extends (...args: any[]) => void>(
  socket: TracedSocket,
  event: unknown,
  id: number,
  timeout: number | undefined,
  ack: A,
): A {
  const context: AckContext = { socket, nsp: socket.nsp.name, event, id, timeout };
  ackChannel.start.publish(context);
  ackChannel.end.publish(context);
  return function tracedAck(this: unknown, ...args: unknown[]) {
    // with a timeout the ack gets (err) or (null, ...answer): see `withTimeout`
    if (timeout !== undefined && args[0] instanceof Error) {
      context.error = args[0];
      ackChannel.error.publish(context);
    } else {
      context.result = timeout === undefined ? args : args.slice(1);
    }
    ackChannel.asyncStart.runStores(context, () => {
      try {
        ack.apply(this, args);
      } finally {
        ackChannel.asyncEnd.publish(context);
      }
    });
  } as A;
}
