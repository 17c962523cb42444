/**
 * One message written to many sessions (a Socket.IO broadcast). The text is given once; the
 * WebSocket transport builds the message's frame once, on first use, and writes the very same
 * bytes to every recipient. Recipients on polling, or on a WebSocket with permessage-deflate,
 * send the text as any other message: nothing is framed for them.
 */
import { sharedTextFrame } from "./ws-frame.js";

const MESSAGE_CODE = 0x34; // Engine.IO "4"

export class SharedMessage {
  private frame: Buffer[] | undefined = undefined;
  private textBytes = -1;

  constructor(
    /** The message's data (an encoded Socket.IO packet). */
    readonly text: string,
    /** Whether the message may be compressed. */
    readonly compress = true,
  ) {}

  /** UTF-8 length of `text`, computed once for all recipients (the engine's byte counters read it). */
  get byteLength(): number {
    if (this.textBytes < 0) this.textBytes = Buffer.byteLength(this.text);
    return this.textBytes;
  }

  /**
   * The complete WebSocket text frame ("4" + text) as the list of Buffers `ws` writes (one Buffer,
   * or a header and the payload above 64 KiB), built on the first call and kept.
   */
  wsFrame(): Buffer[] {
    if (this.frame === undefined) {
      const frame = sharedTextFrame(MESSAGE_CODE, this.text);
      this.frame = Array.isArray(frame) ? frame : [frame];
    }
    return this.frame;
  }
}
