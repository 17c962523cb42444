// A closed loop: every worker issues one request, waits for its reply, and issues the next, until
// told to stop. The window between warm-up and stop is measured; the loop is bounded in time and count.
import { LatencyRecorder } from "../stats.js";

/** Starts one request; must call `done` exactly once when its reply arrives. */
export type Request = (done: () => void) => void;

export interface ClosedLoopResult {
  ops: number;
  seconds: number;
  latency: LatencyRecorder;
  /** requests still without a reply when the drain timeout expired */
  stuck: number;
}

export interface ClosedLoopOptions {
  warmupMs: number;
  /** called when the warm-up is over; the measured window starts when it resolves */
  onMeasureStart(): Promise<void>;
  durationMs: number;
  /** called when the measured window ends (before draining the requests in flight) */
  onMeasureEnd(): Promise<void>;
  maxOps?: number;
  drainTimeoutMs?: number;
}

export async function closedLoop(workers: readonly Request[], options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latency = new LatencyRecorder();
  const maxOps = options.maxOps ?? 50_000_000;
  let recording = false;
  let running = true;
  let ops = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const spin = (request: Request) => {
    const started = performance.now();
    inFlight++;
    request(() => {
      inFlight--;
      if (recording) {
        ops++;
        latency.record(performance.now() - started);
        if (ops >= maxOps) running = false;
      }
      if (running) spin(request);
      else if (inFlight === 0) drained?.();
    });
  };

  for (const request of workers) spin(request);
  await sleep(options.warmupMs);
  await options.onMeasureStart();
  recording = true;
  const started = performance.now();
  // Bounded by time and by count: the window ends at the deadline or when maxOps replies arrived.
  while (running && performance.now() - started < options.durationMs) await sleep(Math.min(50, options.durationMs));
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  await options.onMeasureEnd();
  running = false;
  let stuck = 0;
  if (inFlight > 0) {
    await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(options.drainTimeoutMs ?? 10_000)]);
    stuck = inFlight;
  }
  return { ops, seconds, latency, stuck };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
