// Counting the acknowledgements a client receives on the wire: socket.io-client keeps the first
// answer to an ack id and silently drops any other, so "exactly one answer" is only visible here.
import type { ClientSocket } from "./clients.js";

interface EnginePacket {
  type: string;
  data?: unknown;
}

/** Socket.IO ACK (3) and BINARY_ACK (6) packets, with the namespace when it is not "/". */
const ACK_PACKET = /^[36](?:\d+-)?(?:(\/[^,]*),)?/;

/**
 * The ACK packets for `client`'s namespace that its connection receives while `run` runs, as
 * encoded on the wire (e.g. `3/acks,4["done"]`). Packets of one connection arrive in order, so
 * ending `run` with an acknowledged round trip makes sure any stray ACK written before it is counted.
 */
export async function ackPacketsDuring(client: ClientSocket, run: () => Promise<void>): Promise<string[]> {
  const received: string[] = [];
  // socket.io-client keeps its namespace in a field its types call private.
  const namespace = (client as unknown as { nsp: string }).nsp;
  const onPacket = (packet: EnginePacket) => {
    if (packet.type !== "message" || typeof packet.data !== "string") return;
    const match = ACK_PACKET.exec(packet.data);
    if (match && (match[1] ?? "/") === namespace) received.push(packet.data);
  };
  const engine = client.io.engine;
  engine.on("packet", onPacket);
  try {
    await run();
  } finally {
    engine.off("packet", onPacket);
  }
  return received;
}
