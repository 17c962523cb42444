/**
 * Long-polling for an Engine.IO protocol 3 session: the protocol 4 transport with the protocol 3
 * payloads (see `codec.ts`). Only the body codec differs; requests, limits and the close sequence
 * are the protocol 4 transport's.
 */
import type { ServerResponse } from "node:http";
import createDebug from "debug";
import type { Packet } from "../packet.js";
import { PollingTransport, refuse } from "../transports/polling.js";
import { TransportError, type TransportContext } from "../transports/transport.js";
import { decodeBinaryPayloadV3, decodeTextPayloadV3, encodeBinaryPayloadV3, encodeTextPayloadV3, hasBinaryData } from "./codec.js";

const debug = createDebug("sockline:engine:eio3");

export class Eio3PollingTransport extends PollingTransport {
  /** XHR2 clients POST binary payloads (`application/octet-stream`) when they have binary to send. */
  protected override readonly binaryBodies = true;

  constructor(
    ctx: TransportContext,
    sid: string,
    /**
     * Whether the client takes binary payloads: it did not ask for base64 (`b64` in the handshake
     * query), as the reference decides.
     */
    private readonly supportsBinary: boolean,
  ) {
    super(ctx, sid);
  }

  protected override encodeBody(packets: Packet[]): string | Buffer {
    return this.supportsBinary && hasBinaryData(packets) ? encodeBinaryPayloadV3(packets) : encodeTextPayloadV3(packets);
  }

  protected override decodeBody(body: Buffer, binary: boolean, res: ServerResponse): readonly Packet[] | null {
    const limit = this.ctx.opts.maxPacketsPerPayload;
    const decoded = binary ? decodeBinaryPayloadV3(body, limit) : decodeTextPayloadV3(body.toString("utf8"), limit);
    if (decoded.ok) return decoded.packets;
    // counted while decoding: past the limit, decoding stopped (`limit + 1` is what was seen)
    if (decoded.tooManyPackets) return this.withinPacketLimit(limit + 1, res) ? [] : null;
    debug("session %s: invalid protocol 3 %s payload: %s", this.sid, binary ? "binary" : "text", decoded.reason);
    refuse(res, 400);
    this.refused(
      "violation",
      "invalid-payload",
      `invalid Engine.IO protocol 3 ${binary ? "binary" : "text"} payload (${body.length} bytes): ${decoded.reason}`,
      "connection closed (400)",
    );
    this.owner.onTransportError(this, new TransportError(`invalid protocol 3 payload: ${decoded.reason}`));
    return null;
  }
}
