// Sockline with its Prometheus export on: registerMetrics (handler timings included, so the
// `sockline:handler` tracing channel has a subscriber) and a scrape every second, as Prometheus
// would. Compared with `sockline` (counters always on, nobody reading them) it is the cost of
// exporting the metrics.
import { createServer } from "node:http";
import type { ImplFactory } from "../impl.js";
import { loadOptional } from "../optional.js";
import { runSockline, type ClosableSocklineServer } from "../run-sockline.js";

interface SocklineCore {
  Server: new (http: unknown, options?: Record<string, unknown>) => ClosableSocklineServer & { metrics(): unknown };
}
interface SocklinePrometheus {
  registerMetrics(io: unknown, options: { handlerTimings: boolean }): { registry: { metrics(): Promise<string> }; stop(): void };
}

/** How often the export is read, as a Prometheus server scraping it would (15 s is usual: 1 s is harsher). */
const SCRAPE_INTERVAL_MS = 1000;

export const create: ImplFactory = async (options) => {
  const core = await loadOptional<SocklineCore>("@sockline/core", "Server");
  const prometheus = await loadOptional<SocklinePrometheus>("@sockline/core/prometheus", "registerMetrics");
  const http = createServer();
  const io = new core.Server(http, {});
  const exported = prometheus.registerMetrics(io, { handlerTimings: true });
  const scraper = setInterval(() => void exported.registry.metrics(), SCRAPE_INTERVAL_MS);
  const running = await runSockline(io, http, options);
  return {
    port: running.port,
    close: async () => {
      clearInterval(scraper);
      exported.stop();
      await running.close();
    },
  };
};
