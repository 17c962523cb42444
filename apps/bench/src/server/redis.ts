// Redis connections for the cross-node scenario (node-redis 5: one publisher, one subscriber).
import { createClient } from "redis";

export interface RedisPair {
  pub: ReturnType<typeof createClient>;
  sub: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

export async function createRedisPair(url: string): Promise<RedisPair> {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub,
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
