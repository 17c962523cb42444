import createDebug from "debug";
import { setTimeout as delay } from "node:timers/promises";
import type { RedisConnection } from "../redis-client.js";
import { parseRawEntry, type RawStreamEntry } from "./cluster-protocol.js";

const debug = createDebug("sockline:redis-adapter:streams");

export interface StreamReaderOptions {
  readCount: number;
  blockTimeInMs: number;
}

/** Pause after a failed read, so an outage does not turn into a busy loop. */
const RETRY_DELAY_MS = 250;

/** XREAD answers `[[stream, entries]]` in RESP2 and `{ stream: entries }` (or a Map) in RESP3. */
function entriesOf(reply: unknown): RawStreamEntry[] {
  if (!reply) return [];
  if (Array.isArray(reply)) return reply.flatMap((stream) => (Array.isArray(stream) ? (stream[1] as RawStreamEntry[]) : []));
  const values = reply instanceof Map ? [...reply.values()] : Object.values(reply as object);
  return values.flatMap((entries) => (Array.isArray(entries) ? (entries as RawStreamEntry[]) : []));
}

/**
 * Follows one Redis stream on a dedicated connection (XREAD BLOCK would hold any other command behind it). It starts
 * from the last entry that existed when it started, and keeps its position across Redis outages, so entries added
 * while it was reconnecting are still delivered.
 */
export class StreamReader {
  private offset = "0-0";
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly connection: RedisConnection,
    readonly streamName: string,
    private readonly options: StreamReaderOptions,
    private readonly onEntry: (id: string, fields: Record<string, string>) => void,
  ) {}

  /** Resolves once the starting position is known; entries added after that are all delivered. */
  async start(): Promise<void> {
    const last = await this.connection.command(["XREVRANGE", this.streamName, "+", "-", "COUNT", 1]);
    const [newest] = entriesOf([[this.streamName, last]]);
    if (newest) this.offset = parseRawEntry(newest).id;
    debug("reading stream %s after %s", this.streamName, this.offset);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const reply = await this.connection.command([
          "XREAD",
          "COUNT",
          this.options.readCount,
          "BLOCK",
          this.options.blockTimeInMs,
          "STREAMS",
          this.streamName,
          this.offset,
        ]);
        for (const raw of entriesOf(reply)) {
          const { id, fields } = parseRawEntry(raw);
          this.offset = id;
          try {
            this.onEntry(id, fields);
          } catch (error) {
            debug("error while handling entry %s: %s", id, (error as Error).message);
          }
        }
      } catch (error) {
        if (this.stopped) break;
        debug("reading stream %s failed: %s", this.streamName, (error as Error).message);
        await delay(RETRY_DELAY_MS);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // the pending XREAD BLOCK only ends with its connection
    await this.connection.close(true).catch(() => {});
    await this.loop;
  }
}
