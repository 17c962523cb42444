/**
 * An Engine.IO protocol 3 session: the protocol 4 session with the heartbeat turned around, as the
 * reference does for `protocol === 3`. The client pings (`2`), the server answers `3`; a client
 * that sends no ping within `pingInterval + pingTimeout` of its last one (or of the handshake) is
 * closed with "ping timeout". Other packets do not count as a sign of life (as in the reference),
 * and a pong from the client breaks the protocol.
 */
import createDebug from "debug";
import type { Packet } from "../packet.js";
import { Socket } from "../socket.js";
import type { Transport } from "../transports/transport.js";

const debug = createDebug("sockline:engine:eio3");

export class Eio3Socket extends Socket {
  override readonly protocol = 3;

  protected override startHeartbeat(): void {
    this.context.heartbeat.expectClientPing(this);
  }

  override onTransportPacket(transport: Transport, packet: Packet): void {
    const type = packet.type;
    // the upgrade probe (`2probe` on the new transport) is the session's usual upgrade sequence
    if ((type !== "ping" && type !== "pong") || transport !== this.transport || this.readyState !== "open") {
      return super.onTransportPacket(transport, packet);
    }
    this.emit("packet", packet);
    if (type === "ping") {
      this.context.heartbeat.expectClientPing(this);
      this.sendPacket("pong");
      this.emit("heartbeat");
      return;
    }
    debug("session %s: pong received from a protocol 3 client", this.id);
    this.report({
      kind: "violation",
      name: "invalid-heartbeat",
      message: "pong sent by the client (in protocol 3 only the client pings)",
      action: "connection closed",
      packetType: "pong",
    });
    this.onClose("transport error", new Error(`session ${this.id}: pong received from the client (invalid heartbeat direction)`));
  }
}
