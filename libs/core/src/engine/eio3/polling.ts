/**
 * Long-polling for an Engine.IO protocol 3 session: the protocol 4 transport with the protocol 3
 * payloads (see `codec.ts`), or JSONP polling (`jsonp.ts`) when the handshake asked for it. Only
 * the body codec differs; requests, limits and the close sequence are the protocol 4 transport's.
 */
import createDebug from "debug";
import type { Packet } from "../packet.js";
import { PollingTransport } from "../transports/polling.js";
import type { PollResponder } from "../transports/poll-responder.js";
import { TransportError, type TransportContext } from "../transports/transport.js";
import {
  decodeBinaryPayloadV3,
  decodeTextPayloadV3,
  encodeBinaryPayloadV3,
  encodeTextPayloadV3,
  hasBinaryData,
  type DecodedPayload,
} from "./codec.js";
import { jsonpPayload, jsonpScript } from "./jsonp.js";

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
    /** The callback index of a JSONP session (`j` in the handshake query), undefined for XHR polling. */
    private readonly jsonp: string | undefined,
  ) {
    super(ctx, sid);
  }

  protected override encodeBody(packets: Packet[]): string | Buffer {
    if (this.jsonp !== undefined) return jsonpScript(this.jsonp, encodeTextPayloadV3(packets));
    return this.supportsBinary && hasBinaryData(packets) ? encodeBinaryPayloadV3(packets) : encodeTextPayloadV3(packets);
  }

  protected override decodeBody(body: Buffer, binary: boolean, res: PollResponder): readonly Packet[] | null {
    const limit = this.ctx.opts.maxPacketsPerPayload;
    const decoded = binary ? decodeBinaryPayloadV3(body, limit) : this.decodeText(body.toString("utf8"), limit);
    if (decoded.ok) return decoded.packets;
    // counted while decoding: past the limit, decoding stopped (`limit + 1` is what was seen)
    if (decoded.tooManyPackets) return this.withinPacketLimit(limit + 1, res, true) ? [] : null;
    debug("session %s: invalid protocol 3 %s payload: %s", this.sid, binary ? "binary" : "text", decoded.reason);
    res.refuse(400);
    this.refused(
      "violation",
      "invalid-payload",
      `invalid Engine.IO protocol 3 ${binary ? "binary" : this.jsonp === undefined ? "text" : "JSONP"} payload (${body.length} bytes): ${decoded.reason}`,
      "connection closed (400)",
    );
    this.owner.onTransportError(this, new TransportError(`invalid protocol 3 payload: ${decoded.reason}`));
    return null;
  }

  private decodeText(body: string, limit: number): DecodedPayload {
    if (this.jsonp === undefined) return decodeTextPayloadV3(body, limit);
    const payload = jsonpPayload(body);
    return payload === undefined ? { ok: false, reason: 'JSONP form without a "d" field' } : decodeTextPayloadV3(payload, limit);
  }
}
